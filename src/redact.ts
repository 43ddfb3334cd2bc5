/**
 * The one redaction function. Every error message, log line, stored raw body and queue-page text
 * passes through `redact` before anyone can see it, so a vendor error body that echoes the key back,
 * a connection URL with a password or an Authorization header pasted into a message never leaves
 * the process verbatim.
 *
 * Two layers: shapes that are secrets wherever they appear (URL userinfo, Authorization/x-api-key
 * and password-like fields, vendor key formats, AWS access key ids), and the values actually
 * configured (every secret variable of the environment, and URL passwords), replaced verbatim
 * wherever they occur — also in their URL-encoded form.
 */

export const REDACTED = '[redacted]';

/** Environment variables whose whole value is a secret. */
export const SECRET_ENV_VARS = [
  'OPENAI_ADMIN_KEY',
  'ANTHROPIC_ADMIN_KEY',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'PROMETHEUS_BEARER_TOKEN',
  'SLACK_WEBHOOK_URL',
  'SLACK_BOT_TOKEN',
] as const;

/** Environment variables holding URLs whose userinfo (user:password@) is a secret. */
export const URL_ENV_VARS = ['DATABASE_URL', 'REDIS_URL', 'SMTP_URL', 'PROMETHEUS_URL', 'TEST_DATABASE_URL', 'TEST_REDIS_URL'] as const;

/** Shorter values are not replaced verbatim (they would eat ordinary words); the shapes below still apply. */
const MIN_SECRET_LENGTH = 6;

const FIELD_NAMES = [
  'proxy-authorization',
  'authorization',
  'x-api-key',
  'x-amz-security-token',
  'api[-_]?key',
  'access[-_]?token',
  'auth[-_]?token',
  'bearer[-_]?token',
  'refresh[-_]?token',
  'session[-_]?token',
  'aws[-_]?session[-_]?token',
  'aws[-_]?secret[-_]?access[-_]?key',
  'secret[-_]?access[-_]?key',
  'client[-_]?secret',
  'secret',
  'password',
  'passwd',
  'pwd',
].join('|');

const SHAPES: Array<[RegExp, string | ((...m: string[]) => string)]> = [
  // scheme://user:password@host → scheme://user:***@host (also redis://:password@host)
  [/\b([a-z][a-z0-9+.-]*:\/\/)([^\s/:@'"]*):([^\s/@'"]+)@/gi, (_m, scheme, user) => `${scheme}${user}:***@`],
  // Authorization: Basic xyz (in headers, messages and JSON); a bare "Bearer xyz" anywhere
  [/\b(authorization\\?["']?\s*[:=]\s*\\?["']?(?:Bearer|Basic|Token)\s+)[^\s"'\\,;]+/gi, (_m, head) => `${head}${REDACTED}`],
  [/\b(Bearer\s+)(?!\[redacted\])[A-Za-z0-9._~+/=-]{6,}/g, (_m, head) => `${head}${REDACTED}`],
  // "x-api-key": "…", password=…, "secret": "…", AWS_SECRET_ACCESS_KEY=… (value up to a delimiter)
  [
    new RegExp(`((?:^|[^A-Za-z0-9])(?:${FIELD_NAMES})\\\\?["']?\\s*[:=]\\s*\\\\?["']?)(?!(?:Bearer|Basic|Token)\\s)(?!\\[redacted\\])([^\\s"'\\\\,;&}<>]+)`, 'gi'),
    (_m, head) => `${head}${REDACTED}`,
  ],
  // OpenAI (sk-…, sk-admin-…, sk-proj-…) and Anthropic (sk-ant-…) key formats
  [/\bsk-[A-Za-z0-9_-]{12,}/g, `sk-${REDACTED}`],
  // AWS access key ids
  [/\b(?:AKIA|ASIA|AIDA|AROA)[A-Z0-9]{16}\b/g, REDACTED],
  // SigV4 signatures
  [/\bSignature=[0-9a-f]{64}\b/g, `Signature=${REDACTED}`],
];

/** The secret values configured in an environment (raw and URL-decoded userinfo passwords included). */
export function secretsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): string[] {
  const out = new Set<string>();
  for (const k of SECRET_ENV_VARS) {
    const v = env[k];
    if (v) out.add(v);
  }
  for (const k of URL_ENV_VARS) {
    const v = env[k];
    if (!v) continue;
    try {
      const u = new URL(v);
      if (u.password) {
        out.add(u.password);
        out.add(safeDecode(u.password));
      }
    } catch {
      /* not a URL: nothing to pick out */
    }
  }
  return [...out];
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * `text` with every secret removed: the known shapes, and each of `secrets` (default: the ones
 * configured in process.env) wherever it appears verbatim or URL-encoded.
 */
export function redact(text: string, secrets: readonly string[] = secretsFromEnv()): string {
  let out = text;
  const values = [...new Set(secrets.filter((s) => s && s.length >= MIN_SECRET_LENGTH).flatMap((s) => [s, encodeURIComponent(s)]))];
  // Longest first, so a secret containing another is replaced whole.
  values.sort((a, b) => b.length - a.length);
  for (const v of values) out = out.replace(new RegExp(escapeRe(v), 'g'), REDACTED);
  for (const [re, to] of SHAPES) out = out.replace(re, to as never);
  return out;
}

/** Redacts every string inside a JSON-like value (log objects); leaves numbers, booleans and structure alone. */
export function redactDeep<T>(value: T, secrets: readonly string[] = secretsFromEnv(), depth = 0): T {
  if (typeof value === 'string') return redact(value, secrets) as T;
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, secrets, depth + 1)) as T;
  if (value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = /^(authorization|x-api-key|password|apiKey|api_key|secret|token|accessToken)$/i.test(k) && typeof v === 'string' ? REDACTED : redactDeep(v, secrets, depth + 1);
  }
  return out as T;
}

/** The secrets a request carries in its headers (the value, and the token after Bearer/Basic). */
export function secretsOfHeaders(headers: Readonly<Record<string, string>> | undefined): string[] {
  if (!headers) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(headers)) {
    if (!/^(authorization|proxy-authorization|x-api-key|api-key|x-amz-security-token)$/i.test(k)) continue;
    out.push(v);
    const m = /^(?:Bearer|Basic|Token)\s+(.+)$/i.exec(v);
    if (m) {
      out.push(m[1]!);
      if (/^basic$/i.test(v.split(/\s/)[0]!)) {
        const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon >= 0) out.push(decoded.slice(colon + 1));
      }
    }
  }
  return out;
}
