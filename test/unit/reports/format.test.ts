import { describe, expect, it } from 'vitest';
import { dayRanges, dec, formatChange, formatMoney, formatPct, formatRate, formatTokens } from '../../../src/reports/format.ts';

describe('report formatting', () => {
  it('formats money from decimal strings exactly, with separators', () => {
    expect(formatMoney('1234567.891', 'USD')).toBe('$1,234,567.89');
    expect(formatMoney(dec('0.1').plus('0.2'), 'USD')).toBe('$0.30');
    expect(formatMoney('-47.755', 'EUR')).toBe('-€47.76');
    expect(formatMoney('-0.001', 'USD')).toBe('$0.00');
    expect(formatMoney('12', 'SEK')).toBe('SEK 12.00');
  });

  it('sums many cents without float drift', () => {
    let total = dec(0);
    for (let i = 0; i < 1000; i++) total = total.plus('0.01');
    expect(formatMoney(total, 'USD')).toBe('$10.00');
    expect(formatMoney(String(0.1 + 0.2), 'USD')).toBe('$0.30');
  });

  it('keeps small unit prices readable', () => {
    expect(formatRate('0.075', 'USD')).toBe('$0.075');
    expect(formatRate('0.8781', 'USD')).toBe('$0.878');
    expect(formatRate('0.12', 'USD')).toBe('$0.12');
    expect(formatRate('13.888', 'EUR')).toBe('€13.89');
  });

  it('compacts token volumes', () => {
    expect(formatTokens('540000000')).toBe('540M');
    expect(formatTokens('2160000000')).toBe('2.16B');
    expect(formatTokens('1690000000')).toBe('1.69B');
    expect(formatTokens('12345')).toBe('12.3k');
    expect(formatTokens('950')).toBe('950');
  });

  it('formats percentages and changes', () => {
    expect(formatPct(0.724)).toBe('72.4%');
    expect(formatChange(dec('110'), dec('100'))).toBe('+10%');
    expect(formatChange(dec('95'), dec('100'))).toBe('-5%');
    expect(formatChange(dec('5'), dec('0'))).toBe('new');
    expect(formatChange(dec('5'), null)).toBe('new');
  });

  it('collapses consecutive days into ranges', () => {
    expect(dayRanges(['2026-10-04', '2026-10-05', '2026-10-06', '2026-10-09'])).toBe('Oct 4–6, Oct 9');
  });
});
