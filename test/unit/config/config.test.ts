import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../../src/config/load.ts';
import { loadEnv } from '../../../src/config/env.ts';
import { ConfigError } from '../../../src/errors.ts';

const example = readFileSync(new URL('../../../breakeven.config.example.yaml', import.meta.url), 'utf8');

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('config file', () => {
  it('parses the shipped example (the demo company) with its seven features and a child', () => {
    const c = parseConfig(example, 'example.yaml');
    expect(c.features.map((f) => f.name)).toEqual(['support-chat', 'support-chat.guardrail', 'internal-copilot', 'doc-summarizer', 'code-review', 'search-rerank', 'search-answers', 'meeting-notes']);
    expect(c.gpus.h100!.hourly_price).toBe('6.88');
    expect(c.profiles['llama-70b-h100x8']!.tokens_per_second).toBe(9000);
    expect(c.gpus.l40s!.hourly_price).toBe('1.861');
    expect(c.ops.monthly_cost).toBe('4000');
    expect(c.report.min_months_for_recommendation).toBe(3);
  });

  it('names the path of a bad key and what was expected', () => {
    const bad = example.replace('{ source: openai, project_id: proj_docs }', '{ source: opneai, project_id: proj_docs }');
    const err = errorOf(() => parseConfig(bad, 'cfg.yaml'));
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('cfg.yaml');
    expect(err.message).toContain('features[3].rules[0].source');
  });

  it('rejects unknown keys, with their path', () => {
    const err = errorOf(() => parseConfig('currency: USD\noverhead:\n  self_hosted: 0.3\n  selfhosted: 0.2\n', 'c.yaml'));
    expect(err.message).toMatch(/overhead.*selfhosted|selfhosted/);
  });

  it('keeps money exact: a price is a decimal string, a float-looking price is refused when malformed', () => {
    const err = errorOf(() => parseConfig('gpus:\n  l4: { memory_gib: 24, hourly_price: "1,50" }\n', 'c.yaml'));
    expect(err.message).toContain('gpus.l4.hourly_price');
    expect(err.message).toContain('decimal');
  });

  it('cross-checks references: unknown profile, gpu and feature', () => {
    const err = errorOf(() =>
      parseConfig('profiles:\n  p: { model_class: x, gpu: nope, tokens_per_second: 10 }\n', 'c.yaml'),
    );
    expect(err.message).toContain('profiles.p.gpu: unknown gpu nope');
  });

  it('latency_slo on a feature: seconds > 0, at least one of the two, unknown keys refused, by path', () => {
    const f = (slo: string) => `features:\n  - { name: chat, architecture: api }\n  - { name: copilot, architecture: self_hosted, latency_slo: ${slo} }\n`;
    expect(parseConfig(f('{ ttft_p95_seconds: 0.8, e2e_p95_seconds: 6 }'), 'c.yaml').features[1]!.latency_slo).toEqual({ ttft_p95_seconds: 0.8, e2e_p95_seconds: 6 });
    expect(parseConfig(f('{ e2e_p95_seconds: 6 }'), 'c.yaml').features[1]!.latency_slo).toEqual({ e2e_p95_seconds: 6 });
    expect(parseConfig(f('{ e2e_p95_seconds: 6 }'), 'c.yaml').features[0]!.latency_slo).toBeUndefined();
    expect(errorOf(() => parseConfig(f('{ ttft_p95_seconds: 0 }'), 'c.yaml')).message).toContain('features[1].latency_slo.ttft_p95_seconds');
    expect(errorOf(() => parseConfig(f('{ e2e_p95_seconds: "fast" }'), 'c.yaml')).message).toContain('features[1].latency_slo.e2e_p95_seconds');
    expect(errorOf(() => parseConfig(f('{}'), 'c.yaml')).message).toContain('features[1].latency_slo: set ttft_p95_seconds and/or e2e_p95_seconds');
    expect(errorOf(() => parseConfig(f('{ ttft_p99_seconds: 1 }'), 'c.yaml')).message).toMatch(/features\[1\]\.latency_slo.*ttft_p99_seconds/);
  });

  it('reports invalid YAML with the file name', () => {
    const err = errorOf(() => parseConfig('features: [\n', 'broken.yaml'));
    expect(err.message).toMatch(/^broken\.yaml: invalid YAML/);
  });

  it('rejects a malformed feature name', () => {
    const err = errorOf(() => parseConfig('features:\n  - { name: "Support Chat", architecture: api }\n', 'c.yaml'));
    expect(err.message).toContain('features[0].name');
  });
});

describe('environment', () => {
  it('applies INTERFACES.md defaults and treats empty strings as unset', () => {
    const env = loadEnv({ DATABASE_URL: '', LOG_LEVEL: 'warn' });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.OPENAI_BASE_URL).toBe('https://api.openai.com/v1');
    expect(env.ANTHROPIC_BASE_URL).toBe('https://api.anthropic.com');
    expect(env.BREAKEVEN_HTTP_PORT).toBe(9464);
    expect(env.BREAKEVEN_DATA_DIR).toBe('./.breakeven/pgdata');
  });

  it('names a bad variable without echoing its (possibly secret) value', () => {
    const err = errorOf(() => loadEnv({ DATABASE_URL: 'not a url with secret-xyz' }));
    expect(err.message).toContain('DATABASE_URL');
    expect(err.message).not.toContain('secret-xyz');
  });
});
