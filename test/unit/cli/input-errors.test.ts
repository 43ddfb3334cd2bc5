import { describe, expect, it } from 'vitest';
import { parseDay, parseMonth } from '../../../src/time.ts';
import { loadEnv, parseLogLevel, LOG_LEVELS } from '../../../src/config/env.ts';
import { jsonError } from '../../../src/cli/output.ts';

describe('dates and months from the command line', () => {
  it('a well-formed date that does not exist is "not a calendar date", a malformed one names the format', () => {
    expect(() => parseDay('2026-02-30', '--from')).toThrow('--from "2026-02-30" is not a calendar date');
    expect(() => parseDay('2026-13-01', '--to')).toThrow('--to "2026-13-01" is not a calendar date');
    expect(() => parseDay('2026-2-3', '--from')).toThrow('--from must be YYYY-MM-DD, got "2026-2-3"');
    expect(parseDay('2028-02-29').toISOString()).toBe('2028-02-29T00:00:00.000Z');
  });

  it('a month 13 is not a calendar month; a malformed month names the format', () => {
    expect(() => parseMonth('2026-13', '--month')).toThrow('--month "2026-13" is not a calendar month');
    expect(() => parseMonth('2026-1', '--month')).toThrow('--month must be YYYY-MM, got "2026-1"');
    expect(parseMonth('2026-12').toISOString()).toBe('2026-12-01T00:00:00.000Z');
  });
});

describe('LOG_LEVEL', () => {
  it('an unknown level is a usage error that lists the valid ones', () => {
    expect(() => parseLogLevel('verbose')).toThrow(`LOG_LEVEL "verbose" is not a log level; use one of ${LOG_LEVELS.join(', ')}`);
    expect(() => loadEnv({ LOG_LEVEL: 'verbose' })).toThrow(/use one of fatal, error, warn, info, debug, trace, silent/);
    try {
      parseLogLevel('verbose');
    } catch (err) {
      expect((err as { exitCode: number }).exitCode).toBe(2);
    }
    expect(parseLogLevel('debug')).toBe('debug');
    expect(loadEnv({ LOG_LEVEL: 'trace' }).LOG_LEVEL).toBe('trace');
  });
});

describe('--json errors', () => {
  it('are one JSON object with the message and the exit code', () => {
    expect(JSON.parse(jsonError('no "config"', 2))).toEqual({ error: 'no "config"', exit_code: 2 });
  });
});
