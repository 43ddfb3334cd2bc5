/** Compact display of modelled quantities inside verdict and reason strings (not for money of record). */

export function formatTokens(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e12) return `${(v / 1e12).toFixed(2)}T`;
  if (a >= 1e9) return `${(v / 1e9).toFixed(2)}B`;
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  return v.toFixed(0);
}

export function formatMoney(v: number): string {
  return Math.abs(v) < 1 && v !== 0 ? v.toFixed(4).replace(/0{1,2}$/, '') : v.toFixed(2);
}

export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)} %`;
}
