import { Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';
import { bundledFontFiles } from './fonts.ts';

/**
 * How charts are rasterised: fitted to `width`, on white, with only the bundled font (no system
 * font scan), so the text is identical on every machine and needs no fontconfig in a slim image.
 */
export function rasterOptions(width: number): ResvgRenderOptions {
  return {
    fitTo: { mode: 'width', value: width },
    background: '#ffffff',
    font: { loadSystemFonts: false, fontFiles: bundledFontFiles(), defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  };
}

/**
 * Rasterises a chart for email (most clients drop inline SVG). Rendered at 2× the SVG's width so
 * it stays sharp on high-density screens when shown at its nominal width.
 */
export function svgToPng(svg: string, width = 1200): Buffer {
  return Buffer.from(new Resvg(svg, rasterOptions(width)).render().asPng());
}
