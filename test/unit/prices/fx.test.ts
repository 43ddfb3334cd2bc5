import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.ts';
import { ConfigError, InputError } from '../../../src/errors.ts';
import { parseEcbCsv } from '../../../src/prices/ecb-csv.ts';
import { FxTable, MissingFxRateError, configFxObservations, loadFxTable } from '../../../src/prices/fx.ts';
import { LOCAL_FIXTURES } from '../../helpers/env.ts';

const ECB_FILE = `${LOCAL_FIXTURES}prices/eurofxref-hist-sample.csv`;
const ecbText = readFileSync(ECB_FILE, 'utf8');
const day = (s: string) => new Date(`${s}T12:00:00Z`);

// The example config's table: EUR/USD 1.0389 from 2025-01-01, 1.1720 from 2025-07-01.
const exampleConfig = configSchema.parse({
  fx: {
    rates: [
      { date: '2025-01-01', from: 'EUR', to: 'USD', rate: '1.0389' },
      { date: '2025-07-01', from: 'EUR', to: 'USD', rate: '1.1720' },
    ],
  },
});
const configTable = () => new FxTable(configFxObservations(exampleConfig));
const ecbTable = () => new FxTable(parseEcbCsv(ecbText, ECB_FILE));

describe('FxTable from the config table', () => {
  it('uses each rate from its date until the next entry', () => {
    const fx = configTable();
    expect(fx.convert('100', 'EUR', 'USD', day('2025-01-01'))).toEqual({ amount: '103.89', rate: '1.0389', rateDate: '2025-01-01' });
    expect(fx.convert('100', 'EUR', 'USD', day('2025-06-30'))).toEqual({ amount: '103.89', rate: '1.0389', rateDate: '2025-01-01' });
    expect(fx.convert('100', 'EUR', 'USD', day('2025-07-01'))).toEqual({ amount: '117.2', rate: '1.172', rateDate: '2025-07-01' });
    expect(fx.convert('100', 'EUR', 'USD', day('2026-03-15')).rateDate).toBe('2025-07-01');
  });

  it('the day is the UTC calendar day of the instant', () => {
    const fx = configTable();
    // 2025-06-30T23:30 UTC is still June 30th: the old rate.
    expect(fx.convert('1', 'EUR', 'USD', new Date('2025-06-30T23:30:00Z')).rate).toBe('1.0389');
    expect(fx.convert('1', 'EUR', 'USD', new Date('2025-07-01T00:00:00Z')).rate).toBe('1.172');
  });

  it('inverts a pair, converting with the full-precision rate', () => {
    const fx = configTable();
    const r = fx.convert('100', 'USD', 'EUR', day('2025-03-01'));
    // 100 / 1.0389 = 96.25565501973240927904…
    expect(r).toEqual({ amount: '96.2556550197', rate: '0.962556550197', rateDate: '2025-01-01' });
    // Round trip is exact where the division terminates: 103.89 USD is 100 EUR.
    expect(fx.convert('103.89', 'USD', 'EUR', day('2025-03-01')).amount).toBe('100');
  });

  it('names the pair and the date when no rate exists on or before it', () => {
    const fx = configTable();
    expect(() => fx.convert('1', 'EUR', 'USD', day('2024-12-31'))).toThrow(MissingFxRateError);
    expect(() => fx.convert('1', 'EUR', 'USD', day('2024-12-31'))).toThrow(/EUR→USD on or before 2024-12-31/);
    expect(() => fx.convert('1', 'GBP', 'USD', day('2025-03-01'))).toThrow(/GBP→USD on or before 2025-03-01/);
    try {
      fx.convert('1', 'JPY', 'USD', day('2025-03-01'));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect(err).toMatchObject({ from: 'JPY', to: 'USD', date: '2025-03-01', exitCode: 2 });
    }
  });

  it('converts a currency to itself without a rate', () => {
    const fx = new FxTable([]);
    expect(fx.convert('12.3400', 'usd', 'USD', day('2025-03-01'))).toEqual({ amount: '12.34', rate: '1', rateDate: '2025-03-01' });
    expect(fx.ratesUsed()).toEqual([]);
  });

  it('keeps decimals exact (no float drift)', () => {
    const fx = new FxTable([{ date: '2025-01-01', from: 'EUR', to: 'USD', rate: '1.1', source: 'config' }]);
    const at = day('2025-02-01');
    // In floats 0.1 + 0.2 = 0.30000000000000004 and 0.3 * 1.1 = 0.33000000000000007.
    expect(fx.convert('0.3', 'EUR', 'USD', at).amount).toBe('0.33');
    const a = fx.convert('0.1', 'EUR', 'USD', at).amount;
    const b = fx.convert('0.2', 'EUR', 'USD', at).amount;
    expect([a, b]).toEqual(['0.11', '0.22']);
    expect(configTable().convert('1234.5678', 'EUR', 'USD', at).amount).toBe('1282.59248742');
    expect(configTable().convert('-0.1', 'EUR', 'USD', at).amount).toBe('-0.10389');
    expect(fx.convert('123456789012.1234567891', 'EUR', 'USD', at).amount).toBe('135802467913.335802468');
  });

  it('rejects amounts that are not decimal strings and bad currency codes', () => {
    const fx = configTable();
    expect(() => fx.convert('1e3', 'EUR', 'USD', day('2025-03-01'))).toThrow(InputError);
    expect(() => fx.convert('12', 'EURO', 'USD', day('2025-03-01'))).toThrow(/ISO 4217/);
  });

  it('rejects a non-positive configured rate', () => {
    const bad = configSchema.parse({ fx: { rates: [{ date: '2025-01-01', from: 'EUR', to: 'USD', rate: '0' }] } });
    expect(() => configFxObservations(bad)).toThrow(/fx\.rates\[0\]\.rate/);
  });
});

describe('FxTable from the ECB reference-rate CSV', () => {
  it('parses rows per 1 EUR, skipping nothing but empty cells', () => {
    const obs = parseEcbCsv(ecbText, ECB_FILE);
    expect(obs).toContainEqual({ date: '2025-06-02', from: 'EUR', to: 'USD', rate: '1.1444', source: 'ecb' });
    expect(obs).toContainEqual({ date: '2007-12-31', from: 'EUR', to: 'CYP', rate: '0.585274', source: 'ecb' });
    expect(obs).toContainEqual({ date: '2025-05-29', from: 'EUR', to: 'CHF', rate: null, source: 'ecb' });
    // 7 rows × 5 currency columns; the trailing empty column is not a currency.
    expect(obs).toHaveLength(35);
  });

  it('takes the last business day on a weekend', () => {
    const fx = ecbTable();
    // Saturday 2025-05-31 → Friday's fixing.
    expect(fx.convert('1000', 'EUR', 'USD', day('2025-05-31'))).toEqual({ amount: '1135.7', rate: '1.1357', rateDate: '2025-05-30' });
    expect(fx.convert('1135.7', 'USD', 'EUR', day('2025-06-01'))).toEqual({ amount: '1000', rate: '0.880514220305', rateDate: '2025-05-30' });
  });

  it('an N/A cell ends a rate: no conversion at a stale rate', () => {
    const fx = ecbTable();
    expect(fx.convert('0.585274', 'CYP', 'EUR', day('2007-12-31')).amount).toBe('1');
    expect(() => fx.convert('1', 'CYP', 'EUR', day('2025-06-02'))).toThrow(/CYP→EUR on or before 2025-06-02/);
    expect(() => fx.convert('1', 'EUR', 'CHF', day('2025-05-29'))).toThrow(/EUR→CHF on or before 2025-05-29/);
    expect(fx.convert('1', 'EUR', 'CHF', day('2025-05-31')).rate).toBe('0.9333');
  });

  it('derives cross rates through EUR and records both legs', () => {
    const fx = ecbTable();
    // GBP→USD = (USD per EUR) / (GBP per EUR) = 1.1376 / 0.84158 on 2025-06-03.
    expect(fx.convert('1000', 'GBP', 'USD', day('2025-06-03'))).toEqual({
      amount: '1351.7431497897',
      rate: '1.35174314979',
      rateDate: '2025-06-03',
    });
    // USD→JPY: 10,000 × 163.19 / 1.1376
    expect(fx.convert('10000', 'USD', 'JPY', day('2025-06-03')).amount).toBe('1434511.2517580872');
    expect(fx.ratesUsed()).toEqual([
      { pair: 'EUR/GBP', rate: '0.84158', date: '2025-06-03', source: 'ecb' },
      { pair: 'EUR/JPY', rate: '163.19', date: '2025-06-03', source: 'ecb' },
      { pair: 'EUR/USD', rate: '1.1376', date: '2025-06-03', source: 'ecb' },
    ]);
  });

  it('a cross rate is dated by its older leg', () => {
    const fx = new FxTable([
      ...parseEcbCsv(ecbText, ECB_FILE),
      { date: '2025-06-05', from: 'EUR', to: 'USD', rate: '1.14', source: 'config' },
    ]);
    const r = fx.convert('1', 'GBP', 'USD', day('2025-06-06'));
    expect(r.rateDate).toBe('2025-06-03');
    expect(r.rate).toBe('1.35459492859'); // 1.14 / 0.84158 = 1.354594928586…
  });

  it('the config table wins over the ECB file when it has a rate on or before the day', () => {
    const cfg = configSchema.parse({ fx: { rates: [{ date: '2025-06-01', from: 'EUR', to: 'USD', rate: '1.10' }] } });
    const fx = new FxTable([...configFxObservations(cfg), ...parseEcbCsv(ecbText, ECB_FILE)]);
    expect(fx.convert('100', 'EUR', 'USD', day('2025-06-03'))).toEqual({ amount: '110', rate: '1.1', rateDate: '2025-06-01' });
    expect(fx.convert('100', 'EUR', 'USD', day('2025-05-30'))).toEqual({ amount: '113.57', rate: '1.1357', rateDate: '2025-05-30' });
    expect(fx.ratesUsed()).toEqual([
      { pair: 'EUR/USD', rate: '1.1357', date: '2025-05-30', source: 'ecb' },
      { pair: 'EUR/USD', rate: '1.1', date: '2025-06-01', source: 'config' },
    ]);
  });

  it('ratesUsed lists each observation once, only those used', () => {
    const fx = ecbTable();
    fx.convert('1', 'EUR', 'USD', day('2025-06-02'));
    fx.convert('2', 'EUR', 'USD', day('2025-06-02'));
    fx.convert('3', 'USD', 'EUR', day('2025-06-02'));
    expect(fx.ratesUsed()).toEqual([{ pair: 'EUR/USD', rate: '1.1444', date: '2025-06-02', source: 'ecb' }]);
  });

  it('names the file, line and column of a bad cell', () => {
    const bad = 'Date,USD,JPY,\n2025-06-03,1.1376,163.19,\n2025-06-02,abc,163.26,\n';
    expect(() => parseEcbCsv(bad, 'rates.csv')).toThrow(/rates\.csv: line 3, column USD: expected a positive rate, got "abc"/);
    expect(() => parseEcbCsv('Day,USD\n2025-06-03,1.1\n', 'rates.csv')).toThrow(/line 2: expected a Date column/);
  });
});

describe('loadFxTable', () => {
  it('reads the ECB CSV named in the config relative to baseDir, plus the config table', async () => {
    const cfg = configSchema.parse({
      fx: { rates: [{ date: '2025-01-01', from: 'USD', to: 'SEK', rate: '10.5' }], ecb_csv: 'prices/eurofxref-hist-sample.csv' },
    });
    const read: string[] = [];
    const fx = await loadFxTable(cfg, {
      baseDir: LOCAL_FIXTURES,
      readFile: (p) => {
        read.push(p);
        return readFileSync(p, 'utf8');
      },
    });
    expect(read).toEqual([ECB_FILE]);
    expect(fx.convert('1', 'EUR', 'USD', day('2025-06-02')).rate).toBe('1.1444');
    // EUR→SEK: ECB has no SEK column here, so EUR→USD (ECB) × USD→SEK (config).
    expect(fx.convert('100', 'EUR', 'SEK', day('2025-06-02'))).toEqual({ amount: '1201.62', rate: '12.0162', rateDate: '2025-01-01' });
  });

  it('works without a CSV and reports an unreadable one by path', async () => {
    const fx = await loadFxTable(exampleConfig, { readFile: () => Promise.reject(new Error('unused')) });
    expect(fx.convert('1', 'EUR', 'USD', day('2025-02-01')).rate).toBe('1.0389');
    const cfg = configSchema.parse({ fx: { ecb_csv: '/nonexistent/eurofxref-hist.csv' } });
    await expect(loadFxTable(cfg, { readFile: () => Promise.reject(new Error('ENOENT')) })).rejects.toThrow(
      /fx\.ecb_csv: cannot read \/nonexistent\/eurofxref-hist\.csv: ENOENT/,
    );
  });
});
