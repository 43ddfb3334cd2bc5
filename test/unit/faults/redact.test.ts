import { describe, expect, it } from 'vitest';
import { redact, redactDeep, secretsFromEnv, secretsOfHeaders } from '../../../src/redact.ts';
import { errorMessage } from '../../../src/errors.ts';

describe('redact', () => {
  it('removes URL passwords, Authorization/x-api-key values, password fields and vendor key shapes', () => {
    const text = [
      'redis://:hunter2pw@10.0.0.1:6379/0',
      'postgres://app:p%40ss@db:5432/x',
      'Authorization: Bearer sk-admin-abcdefghijklmnop1234',
      '{"x-api-key":"sk-ant-admin01-ZZZZZZZZZZZZZZZZZZ","password":"plain-pw","api_key_id":"key_abc"}',
      'AKIAABCDEFGHIJKLMNOP aws_secret_access_key=wJalrXUtnFEMI/K7MDENG',
    ].join('\n');
    const out = redact(text, []);
    for (const secret of ['hunter2pw', 'p%40ss', 'sk-admin-abcdefghijklmnop1234', 'ZZZZZZZZZZZZZZZZZZ', 'plain-pw', 'AKIAABCDEFGHIJKLMNOP', 'wJalrXUtnFEMI']) {
      expect(out).not.toContain(secret);
    }
    // What is not a secret stays readable.
    expect(out).toContain('redis://:***@10.0.0.1:6379/0');
    expect(out).toContain('postgres://app:***@db:5432/x');
    expect(out).toContain('"api_key_id":"key_abc"');
    expect(out).toContain('Authorization: Bearer [redacted]');
  });

  it('replaces every configured secret value verbatim and URL-encoded, also inside other text', () => {
    const env = { OPENAI_ADMIN_KEY: 'opaque-key-value', REDIS_URL: 'redis://:w%2Fslash@127.0.0.1:6391', SMTP_URL: 'smtp://u:smtpPass1@mail:25' };
    const secrets = secretsFromEnv(env);
    expect(secrets).toEqual(expect.arrayContaining(['opaque-key-value', 'w%2Fslash', 'w/slash', 'smtpPass1']));
    const out = redact('echo: opaque-key-value / args ["AUTH","default","w/slash"] / smtpPass1 / q=opaque-key-value', secrets);
    expect(out).not.toMatch(/opaque-key-value|w\/slash|smtpPass1/);
    expect(out.match(/\[redacted\]/g)).toHaveLength(4);
  });

  it('finds the secrets a request carries in its headers (Bearer, Basic user:password, x-api-key)', () => {
    const basic = Buffer.from('promuser:prompass').toString('base64');
    const got = secretsOfHeaders({ Authorization: `Basic ${basic}`, 'x-api-key': 'k-123456', accept: 'application/json' });
    expect(got).toEqual(expect.arrayContaining([basic, 'prompass', 'k-123456']));
    expect(got).not.toContain('application/json');
  });

  it('redacts every string inside log objects and keeps their shape', () => {
    const out = redactDeep({ err: 'failed for redis://:abcdef@h:1', n: 3, nested: { authorization: 'xyz', list: ['Bearer abcdefghij'] } }, []);
    expect(out).toEqual({ err: 'failed for redis://:***@h:1', n: 3, nested: { authorization: '[redacted]', list: ['Bearer [redacted]'] } });
  });

  it('errorMessage is one line and redacted', () => {
    const e = new Error('Unexpected token\n  Deserialization error: redis://:pw12345@x:1');
    expect(errorMessage(e)).toBe('Unexpected token Deserialization error: redis://:***@x:1');
  });
});
