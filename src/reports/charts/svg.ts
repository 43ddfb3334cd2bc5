/**
 * Small helpers for hand-written SVG. Output must be deterministic (fixed decimal places) and every
 * piece of text that reaches the markup goes through escapeXml: feature and deployment names come
 * from sources and config and may contain anything.
 */
export const COLORS = {
  api: '#2563eb',
  self: '#ea580c',
  unattributed: '#9ca3af',
  capacity: '#ea580c',
  target: '#f59e0b',
  load: '#2563eb',
  grid: '#e5e7eb',
  axis: '#6b7280',
  text: '#374151',
  marker: '#111827',
  good: '#16a34a',
} as const;

export const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A coordinate with one decimal place: stable text, sub-pixel precise enough. */
export function n(v: number): string {
  const r = Math.round(v * 10) / 10;
  return Object.is(r, -0) ? '0' : String(r);
}

/** A "nice" axis maximum and tick step for values 0…max (1, 2, 2.5, 5 × 10^k). */
export function niceScale(max: number, ticks = 4): { max: number; step: number } {
  if (!(max > 0) || !Number.isFinite(max)) return { max: 1, step: 0.25 };
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  return { max: Math.ceil(max / step - 1e-9) * step, step };
}

export interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export const plotWidth = (f: Frame) => f.width - f.left - f.right;
export const plotHeight = (f: Frame) => f.height - f.top - f.bottom;

export function text(x: number, y: number, s: string, attrs = ''): string {
  return `<text x="${n(x)}" y="${n(y)}" ${attrs}>${escapeXml(s)}</text>`;
}

/** Opening tag with a white background and an accessible title. */
export function svgOpen(f: Frame, title: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}" ` +
    `role="img" aria-label="${escapeXml(title)}" font-family="${FONT}" font-size="12" ` +
    `style="display:block;width:100%;height:auto;max-width:${f.width}px">` +
    `<title>${escapeXml(title)}</title><rect width="${f.width}" height="${f.height}" fill="#ffffff"/>`
  );
}

/** Horizontal grid lines with labels on the left axis. */
export function yGrid(f: Frame, scale: { max: number; step: number }, label: (v: number) => string): string {
  const parts: string[] = [];
  const h = plotHeight(f);
  for (let v = 0; v <= scale.max + scale.step / 1000; v += scale.step) {
    const y = f.top + h - (v / scale.max) * h;
    parts.push(`<line x1="${f.left}" x2="${f.width - f.right}" y1="${n(y)}" y2="${n(y)}" stroke="${COLORS.grid}" stroke-width="1"/>`);
    parts.push(text(f.left - 6, y + 4, label(v), `text-anchor="end" fill="${COLORS.axis}"`));
  }
  return parts.join('');
}

/** A legend row: coloured swatches with labels, laid out left to right at the top. */
export function legend(x: number, y: number, items: Array<{ color: string; label: string; dashed?: boolean }>): string {
  let cx = x;
  const parts: string[] = [];
  for (const it of items) {
    parts.push(
      it.dashed
        ? `<line x1="${n(cx)}" x2="${n(cx + 14)}" y1="${n(y - 4)}" y2="${n(y - 4)}" stroke="${it.color}" stroke-width="2" stroke-dasharray="4 3"/>`
        : `<rect x="${n(cx)}" y="${n(y - 9)}" width="14" height="10" rx="2" fill="${it.color}"/>`,
    );
    parts.push(text(cx + 19, y, it.label, `fill="${COLORS.text}"`));
    cx += 19 + approxTextWidth(it.label) + 16;
  }
  return parts.join('');
}

/** Average glyph width of an 11px sans font; good enough to space a legend. */
export function approxTextWidth(s: string, size = 12): number {
  return s.length * size * 0.58;
}

/** Compact axis numbers: 1500000 → "1.5M". */
export function compact(v: number): string {
  const abs = Math.abs(v);
  const fmt = (x: number, suffix: string) => `${Number.isInteger(x) ? x : Number(x.toFixed(x >= 10 ? 0 : 1))}${suffix}`;
  if (abs >= 1e12) return fmt(v / 1e12, 'T');
  if (abs >= 1e9) return fmt(v / 1e9, 'B');
  if (abs >= 1e6) return fmt(v / 1e6, 'M');
  if (abs >= 1e3) return fmt(v / 1e3, 'k');
  return fmt(v, '');
}
