import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level: equal data, equal text, whatever the key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return typeof v === 'bigint' ? v.toString() : v;
  });
}

export function sha256(s: string | Buffer): string {
  return createHash('sha256').update(s).digest('hex');
}
