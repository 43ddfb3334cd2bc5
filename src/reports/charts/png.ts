import { Resvg } from '@resvg/resvg-js';

/**
 * Rasterises a chart for email (most clients drop inline SVG). Rendered at 2× the SVG's width so
 * it stays sharp on high-density screens when shown at its nominal width.
 */
export function svgToPng(svg: string, width = 1200): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'width', value: width },
    background: '#ffffff',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  return Buffer.from(resvg.render().asPng());
}
