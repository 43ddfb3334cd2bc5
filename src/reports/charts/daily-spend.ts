import { COLORS, compact, legend, n, niceScale, plotHeight, plotWidth, svgOpen, text, yGrid, type Frame } from './svg.ts';

export interface DailySpendBar {
  day: string;
  api: number;
  selfHosted: number;
  unattributed: number;
  estimated: boolean;
}

const FRAME: Frame = { width: 600, height: 240, left: 58, right: 12, top: 34, bottom: 30 };

/** Daily spend stacked by architecture; days still carrying estimated costs are drawn lighter. */
export function dailySpendChart(month: string, bars: DailySpendBar[], currencySymbol: string): string {
  const f = FRAME;
  const w = plotWidth(f);
  const h = plotHeight(f);
  const max = Math.max(...bars.map((b) => b.api + b.selfHosted + b.unattributed), 0);
  const ys = niceScale(max * 1.05 || 1, 4);
  const slot = w / Math.max(bars.length, 1);
  const bw = Math.max(2, slot - 3);
  const Y = (v: number) => f.top + h - (v / ys.max) * h;
  const parts: string[] = [svgOpen(f, `Daily spend in ${month} by architecture`)];
  parts.push(yGrid(f, ys, (v) => `${currencySymbol}${compact(v)}`));
  bars.forEach((b, i) => {
    const x = f.left + i * slot + (slot - bw) / 2;
    let base = 0;
    const opacity = b.estimated ? ' fill-opacity="0.45"' : '';
    for (const [value, color] of [
      [b.selfHosted, COLORS.self],
      [b.api, COLORS.api],
      [b.unattributed, COLORS.unattributed],
    ] as const) {
      if (value <= 0) continue;
      const y0 = Y(base);
      const y1 = Y(base + value);
      parts.push(`<rect x="${n(x)}" y="${n(y1)}" width="${n(bw)}" height="${n(Math.max(0.5, y0 - y1))}" fill="${color}"${opacity}/>`);
      base += value;
    }
    const dayNo = Number(b.day.slice(8));
    if (dayNo === 1 || dayNo % 5 === 0) parts.push(text(x + bw / 2, f.height - f.bottom + 15, String(dayNo), `text-anchor="middle" fill="${COLORS.axis}"`));
  });
  const items: Array<{ color: string; label: string }> = [
    { color: COLORS.api, label: 'API' },
    { color: COLORS.self, label: 'Self-hosted' },
    { color: COLORS.unattributed, label: 'Unattributed' },
  ];
  parts.push(legend(f.left, 16, items));
  if (bars.some((b) => b.estimated)) parts.push(text(f.width - f.right, 16, 'pale = still estimated', `text-anchor="end" fill="${COLORS.axis}"`));
  parts.push('</svg>');
  return parts.join('');
}
