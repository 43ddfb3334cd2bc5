import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { packagePath } from '../package-root.ts';
import { configSchema, type Config } from './schema.ts';

export const DEFAULT_CONFIG_PATH = './breakeven.config.yaml';
export const EXAMPLE_CONFIG_PATH = packagePath('breakeven.config.example.yaml');

/** `features[2].rules[0].source` — the path of the bad key, as users see it in their YAML. */
export function formatIssuePath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(top level)';
}

export function formatZodIssue(issue: z.core.$ZodIssue): string {
  return `${formatIssuePath(issue.path)}: ${issue.message}`;
}

export function parseConfig(text: string, where: string): Config {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new ConfigError(`${where}: invalid YAML: ${e.message.split('\n')[0]}`);
  }
  const parsed = configSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    const lines = parsed.error.issues.slice(0, 5).map(formatZodIssue);
    throw new ConfigError(`${where}: invalid configuration: ${lines.join('; ')}`);
  }
  return parsed.data;
}

/**
 * Loads the config: an explicit path (flag or BREAKEVEN_CONFIG) must exist; the default path is
 * optional, and without it the annotated example (the demo company) is used only when `fallbackToExample`.
 */
export function loadConfig(opts: { path?: string | undefined; fallbackToExample?: boolean }): { config: Config; path: string } {
  if (opts.path) {
    const p = resolve(opts.path);
    if (!existsSync(p)) throw new ConfigError(`config file not found: ${p} (set --config or BREAKEVEN_CONFIG)`);
    return { config: parseConfig(readFileSync(p, 'utf8'), p), path: p };
  }
  const def = resolve(DEFAULT_CONFIG_PATH);
  if (existsSync(def)) return { config: parseConfig(readFileSync(def, 'utf8'), def), path: def };
  if (opts.fallbackToExample) {
    const p = EXAMPLE_CONFIG_PATH;
    return { config: parseConfig(readFileSync(EXAMPLE_CONFIG_PATH, 'utf8'), p), path: p };
  }
  throw new ConfigError(
    `no configuration: ${def} does not exist (copy breakeven.config.example.yaml there, or pass --config PATH)`,
  );
}
