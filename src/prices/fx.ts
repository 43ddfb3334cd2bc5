import { isAbsolute, resolve } from 'node:path';
import type { Decimal } from 'decimal.js';
import type { Config } from '../config/schema.ts';
import { ConfigError, InputError } from '../errors.ts';
import { Dec, decimalString } from './decimal.ts';
import { parseEcbCsv } from './ecb-csv.ts';

/**
 * Dated FX rates for converting facts (kept in their billing currency) into the reporting currency.
 *
 * A rate observed on a date holds from that date until the next observation of the same pair, so
 * weekends and holidays take the last business day's ECB rate and a config entry holds until the
 * next config entry. Lookup order for from→to on a day:
 *   1. same currency: identity;
 *   2. the pair itself, or its inverse, from the config table (`fx.rates`) — the config wins over
 *      the ECB file whenever it has a rate on or before the day (it is the user's explicit choice);
 *   3. the pair or its inverse from the ECB file;
 *   4. a cross rate through EUR (then USD): from→EUR × EUR→to, each leg looked up as in 2–3.
 * Amounts are converted with the full-precision rate (so 1135.7 USD at EUR/USD 1.1357 is exactly
 * 1000 EUR) and rounded to 10 decimals; the rate is printed to 12 significant digits (observed
 * rates have fewer, so they print exactly as given; inverse and cross rates do not terminate).
 */

export interface FxObservation {
  date: string;
  from: string;
  to: string;
  /**
   * Units of `to` per 1 `from`, a positive decimal string; null = not quoted from this date on
   * (an ECB "N/A": a discontinued or suspended currency must not keep its last rate forever).
   */
  rate: string | null;
  source: 'config' | 'ecb';
}

export interface FxRateUsed {
  /** As observed, e.g. 'EUR/USD' = USD per 1 EUR. */
  pair: string;
  rate: string;
  date: string;
  source: 'config' | 'ecb';
}

export interface FxConversion {
  /** Exact decimal, rounded to 10 places. */
  amount: string;
  /** Units of `to` per 1 `from` actually applied. */
  rate: string;
  /** Date of the (oldest) observation the rate comes from. */
  rateDate: string;
}

export class MissingFxRateError extends ConfigError {
  constructor(
    readonly from: string,
    readonly to: string,
    readonly date: string,
  ) {
    super(
      `no FX rate for ${from}→${to} on or before ${date}: add one to fx.rates in the config ` +
        `(or import the ECB reference rates with fx.ecb_csv)`,
    );
  }
}

const DISPLAY_SIGNIFICANT_DIGITS = 12;

/** Observed rates print as given; derived ones (1/x, cross) are non-terminating, so 12 significant digits. */
function display(rate: Decimal): string {
  return rate.toSignificantDigits(DISPLAY_SIGNIFICANT_DIGITS).toFixed();
}

const PIVOTS = ['EUR', 'USD'];

interface Entry {
  date: string;
  rate: Decimal | null;
  observed: FxRateUsed;
}

interface Leg {
  rate: Decimal;
  date: string;
  used: FxRateUsed[];
}

/** One source's observations by pair, each list sorted by date. */
class Layer {
  private readonly byPair = new Map<string, Entry[]>();

  add(o: FxObservation): void {
    const pair = `${o.from}/${o.to}`;
    const list = this.byPair.get(pair) ?? [];
    const rate = o.rate === null ? null : new Dec(o.rate);
    list.push({ date: o.date, rate, observed: { pair, rate: rate?.toFixed() ?? 'N/A', date: o.date, source: o.source } });
    this.byPair.set(pair, list);
  }

  seal(): void {
    // A later observation of the same pair and date replaces an earlier one (last wins).
    for (const [pair, list] of this.byPair) {
      const byDate = new Map(list.map((e) => [e.date, e]));
      this.byPair.set(pair, [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0)));
    }
  }

  private latest(pair: string, day: string): Entry | undefined {
    const list = this.byPair.get(pair);
    if (!list) return undefined;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.date <= day) lo = mid + 1;
      else hi = mid;
    }
    const entry = lo > 0 ? list[lo - 1] : undefined;
    return entry?.rate ? entry : undefined;
  }

  /** The most recent observation of the pair or its inverse on or before `day` (direct wins a tie). */
  lookup(from: string, to: string, day: string): Leg | undefined {
    const direct = this.latest(`${from}/${to}`, day);
    const inverse = this.latest(`${to}/${from}`, day);
    if (direct?.rate && (!inverse?.rate || direct.date >= inverse.date)) return { rate: direct.rate, date: direct.date, used: [direct.observed] };
    if (inverse?.rate) return { rate: new Dec(1).dividedBy(inverse.rate), date: inverse.date, used: [inverse.observed] };
    return undefined;
  }
}

function currencyCode(c: string, what: string): string {
  const code = c.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(code)) throw new InputError(`${what} must be an ISO 4217 code such as USD, got "${c}"`);
  return code;
}

export class FxTable {
  private readonly layers: [Layer, Layer];
  private readonly used = new Map<string, FxRateUsed>();

  constructor(observations: readonly FxObservation[]) {
    const config = new Layer();
    const ecb = new Layer();
    for (const o of observations) (o.source === 'config' ? config : ecb).add(o);
    config.seal();
    ecb.seal();
    this.layers = [config, ecb];
  }

  private direct(from: string, to: string, day: string): Leg | undefined {
    for (const layer of this.layers) {
      const leg = layer.lookup(from, to, day);
      if (leg) return leg;
    }
    return undefined;
  }

  private find(from: string, to: string, day: string): Leg | undefined {
    const direct = this.direct(from, to, day);
    if (direct) return direct;
    for (const pivot of PIVOTS) {
      if (pivot === from || pivot === to) continue;
      const a = this.direct(from, pivot, day);
      const b = a && this.direct(pivot, to, day);
      if (a && b) return { rate: a.rate.times(b.rate), date: a.date < b.date ? a.date : b.date, used: [...a.used, ...b.used] };
    }
    return undefined;
  }

  /** Units of `to` per 1 `from` in force on `on` (UTC day); throws MissingFxRateError. */
  rate(fromCurrency: string, toCurrency: string, on: Date): { rate: string; rateDate: string } {
    const { rate, rateDate } = this.resolve(fromCurrency, toCurrency, on);
    return { rate: display(rate), rateDate };
  }

  private resolve(fromCurrency: string, toCurrency: string, on: Date): { rate: Decimal; rateDate: string } {
    if (Number.isNaN(on.getTime())) throw new InputError(`invalid date for FX conversion ${fromCurrency}→${toCurrency}`);
    const from = currencyCode(fromCurrency, 'FX source currency');
    const to = currencyCode(toCurrency, 'FX target currency');
    const day = on.toISOString().slice(0, 10);
    if (from === to) return { rate: new Dec(1), rateDate: day };
    const leg = this.find(from, to, day);
    if (!leg) throw new MissingFxRateError(from, to, day);
    for (const u of leg.used) this.used.set(`${u.pair}|${u.date}|${u.source}`, u);
    return { rate: leg.rate, rateDate: leg.date };
  }

  /** `amount` (a decimal string) in `to`, computed with the full-precision rate, rounded to 10 places. */
  convert(amount: string, from: string, to: string, on: Date): FxConversion {
    if (!/^-?\d+(\.\d+)?$/.test(amount.trim())) throw new InputError(`FX conversion: "${amount}" is not a decimal amount`);
    const { rate, rateDate } = this.resolve(from, to, on);
    return { amount: decimalString(new Dec(amount.trim()).times(rate)), rate: display(rate), rateDate };
  }

  /** The observations actually used by rate()/convert() so far, for the report's assumptions. */
  ratesUsed(): FxRateUsed[] {
    return [...this.used.values()].sort((a, b) => a.pair.localeCompare(b.pair) || a.date.localeCompare(b.date) || a.source.localeCompare(b.source));
  }
}

/** The config table's rates as observations; a non-positive or self-referencing rate is a config error. */
export function configFxObservations(config: Config): FxObservation[] {
  return config.fx.rates.map((r, i) => {
    if (new Dec(r.rate).lte(0)) throw new ConfigError(`fx.rates[${i}].rate: expected a positive rate, got ${r.rate}`);
    if (r.from === r.to) throw new ConfigError(`fx.rates[${i}]: from and to are both ${r.from}`);
    return { date: r.date, from: r.from, to: r.to, rate: r.rate, source: 'config' as const };
  });
}

/**
 * The FX table for a run: config rates plus the ECB CSV named by `fx.ecb_csv` (resolved against
 * `baseDir`, normally the config file's directory). File access is injected for tests.
 */
export async function loadFxTable(
  config: Config,
  io: { readFile: (path: string) => Promise<string> | string; baseDir?: string },
): Promise<FxTable> {
  const observations = configFxObservations(config);
  const csv = config.fx.ecb_csv;
  if (csv) {
    const path = isAbsolute(csv) ? csv : resolve(io.baseDir ?? '.', csv);
    let text: string;
    try {
      text = await io.readFile(path);
    } catch (err) {
      throw new InputError(`fx.ecb_csv: cannot read ${path}: ${(err as Error).message}`, { cause: err });
    }
    observations.push(...parseEcbCsv(text, path));
  }
  return new FxTable(observations);
}
