import { parse } from 'csv-parse/sync';
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { renderReport } from '../../../src/reports/render.ts';
import { featureSummary } from '../../../src/reports/feature-summary.ts';
import { formatMoney } from '../../../src/reports/format.ts';
import { reportFixture } from '../../factories/report-fixture.ts';

/** "$63,491.47" → 63491.47 as an exact decimal. */
const money = (s: string) => new Decimal(s.replace(/[$,]/g, ''));
const sum = (xs: Decimal[]) => xs.reduce((a, b) => a.plus(b), new Decimal(0));

function sections(text: string) {
  const features = text.slice(text.indexOf('\nFEATURES\n'), text.indexOf('\nSELF-HOSTED DEPLOYMENTS\n'));
  // One card per "name [Architecture]" heading.
  const cards = features.split(/\n(?=\S+ \[[A-Za-z-]+\]\n)/).filter((c) => /^\S+ \[/.test(c));
  return { cards };
}

function csvRows(csv: string): Array<Record<string, string>> {
  return parse(csv, { columns: true, skip_empty_lines: true }) as Array<Record<string, string>>;
}

describe('the text report, its cards and its CSV agree on every figure', () => {
  it('headline saving = sum of the cards\' savings = sum of the CSV recommended_saving; spend per card = CSV actual_cost; total = sum', () => {
    const inputs = reportFixture();
    const r = renderReport(inputs, { png: false });
    const headline = /would save about (\$[\d,.]+) per month/.exec(r.text);
    expect(headline, 'headline saving').not.toBeNull();
    const { cards } = sections(r.text);
    expect(cards.length).toBe(inputs.features.length);
    const cardSaving = cards.flatMap((c) => [...c.matchAll(/^ {2}Saving +(\$[\d,.]+)\/month$/gm)].map((m) => money(m[1]!)));
    expect(cardSaving.length).toBeGreaterThan(0);
    const rows = csvRows(r.csv);
    const csvSaving = sum(rows.map((x) => new Decimal(x.recommended_saving || '0')));
    expect(money(headline![1]!).toFixed(2)).toBe(sum(cardSaving).toFixed(2));
    expect(money(headline![1]!).toFixed(2)).toBe(csvSaving.toFixed(2));

    // Every card's spend is its CSV row's actual_cost, formatted by the one formatter.
    for (const card of cards) {
      const name = /^(\S+) \[/.exec(card)![1]!;
      const spend = /^ {2}Spend +(\S+)$/m.exec(card)![1]!;
      const row = rows.find((x) => x.feature === name)!;
      expect(spend, name).toBe(formatMoney(row.actual_cost, 'USD'));
      // And the spend table's row for it says the same.
      const line = r.text.split('\n').find((l) => new RegExp(`^(  - )?${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s`).test(l) && l.includes('$'));
      if (line && !inputs.features.some((f) => f.feature.startsWith(`${name}.`))) expect(line).toContain(spend);
    }
    // The headline total is the sum of the CSV's actual_cost.
    const total = /^(\$[\d,.]+) on LLM inference/m.exec(r.text)![1]!;
    expect(money(total).toFixed(2)).toBe(sum(rows.map((x) => new Decimal(x.actual_cost!))).toFixed(2));

    // The CLI summary (demo, compute) prints the same savings and the same words as the cards.
    const cli = featureSummary(inputs.features, 'USD', inputs.minMonths);
    expect(cli.savings).toBe(`${headline![1]} per month`);
    for (const card of cards) {
      const name = /^(\S+) \[/.exec(card)![1]!;
      const rec = /^ {2}>> (.+)$/m.exec(card)![1]!;
      const line = cli.rows.find((x) => x[0] === name)!;
      if (name !== 'unattributed') expect(line[7], name).toBe(rec);
      expect(line[2], name).toBe(/^ {2}Spend +(\S+)$/m.exec(card)![1]);
    }
  });

  it('one card names one binding factor, and "never" stands without an unlabelled capacity-free volume', () => {
    const r = renderReport(reportFixture(), { png: false });
    for (const card of sections(r.text).cards) {
      const factors = new Set([...card.matchAll(/binding (?:factor|constraint): (\w+)/g)].map((m) => m[1]));
      expect(factors.size, card.slice(0, 40)).toBeLessThanOrEqual(1);
      expect(card).not.toContain('binding constraint');
      if (card.includes('never at this price')) expect(card).not.toMatch(/ignoring capacity steps/);
    }
  });

  it('without a previous month it says so once, and claims nothing about changes since', () => {
    const r = renderReport(reportFixture({ withPrevious: false }), { png: false });
    expect(r.text).toContain('No figures for September 2026 to compare with');
    expect(r.text).not.toContain('No recommendation changed since');
    expect(r.html).not.toContain('No recommendation changed since');
  });

  it('with too little data nothing is saved anywhere: headline, cards and CSV', () => {
    const r = renderReport(reportFixture({ dataMonths: 1 }), { png: false });
    expect(r.text).not.toContain('would save about');
    expect(r.text).not.toMatch(/^ {2}Saving /m);
    expect(sum(csvRows(r.csv).map((x) => new Decimal(x.recommended_saving || '0'))).isZero()).toBe(true);
  });
});
