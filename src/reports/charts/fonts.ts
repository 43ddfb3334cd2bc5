import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The font charts are rasterised with: DejaVu Sans from the `dejavu-fonts-ttf` package (Bitstream
 * Vera licence, free to redistribute), loaded by file so chart text renders the same on a slim
 * container with no system fonts as on a desktop. The SVG names "DejaVu Sans" first.
 */
export function bundledFontFiles(): string[] {
  const dir = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
  return ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSans-Oblique.ttf', 'DejaVuSans-BoldOblique.ttf'].map((f) => join(dir, f));
}
