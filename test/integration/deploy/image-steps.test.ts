import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The Dockerfile's steps, where Docker cannot run: pack the package as the build stage does,
 * install production dependencies only into a clean folder (no tsx, no typescript), then run the
 * compiled CLI and rasterise a chart with the bundled font and no system fonts.
 */
const root = new URL('../../..', import.meta.url).pathname;
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
const tmp = mkdtempSync(join(tmpdir(), 'breakeven-image-'));
const app = join(tmp, 'app');

function run(cmd: string, args: string[], opts: SpawnSyncOptions & { cwd: string }) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 540_000, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${String(r.stderr).slice(-2000)}`);
  return String(r.stdout);
}

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// Counts dark pixels of a rendering; with no font at all, text draws nothing (the control case).
const RENDER = `
import { Resvg } from '@resvg/resvg-js';
import { rasterOptions, svgToPng } from './dist/src/reports/charts/png.js';
import { bundledFontFiles } from './dist/src/reports/charts/fonts.js';
const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="40"><text x="8" y="27" font-family="DejaVu Sans, sans-serif" font-size="18">breakeven 1,234 $</text></svg>';
const dark = (opts) => { const px = new Resvg(svg, opts).render().pixels; let n = 0; for (let i = 0; i < px.length; i += 4) if (px[i] < 128) n++; return n; };
const png = svgToPng(svg, 480);
console.log(JSON.stringify({
  png: png.subarray(0, 8).toString('hex'),
  textPixels: dark(rasterOptions(480)),
  withoutFonts: dark({ ...rasterOptions(480), font: { loadSystemFonts: false } }),
  fonts: bundledFontFiles(),
}));
`;

describe('the image steps (Dockerfile) in a clean folder', () => {
  it('pack → npm ci --omit=dev → the compiled CLI runs and a chart PNG has text from the bundled font', { timeout: 900_000 }, () => {
    const packed = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: root })) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = packed[0]!.files.map((f) => f.path);
    expect(files).toContain('dist/src/cli/main.js');
    expect(files).toContain('dist/migrations/20261124000100_core_schema.js');
    expect(files).toContain('templates/monthly-report.html.hbs');
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);
    mkdirSync(app);
    run('tar', ['-xzf', join(tmp, packed[0]!.filename), '-C', app, '--strip-components=1'], { cwd: tmp });
    copyFileSync(join(root, 'package-lock.json'), join(app, 'package-lock.json'));
    run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: app });
    for (const dev of ['tsx', 'typescript', 'vitest']) expect(existsSync(join(app, 'node_modules', dev)), dev).toBe(false);

    expect(run(process.execPath, ['bin/breakeven.js', '--version'], { cwd: app }).trim()).toBe(version);
    const calc = run(process.execPath, ['bin/breakeven.js', 'calc', 'selfhost', '--gpu-hourly', '2', '--tps', '1000', '--json'], { cwd: app });
    expect(JSON.parse(calc)).toBeTypeOf('object');

    const out = JSON.parse(run(process.execPath, ['--input-type=module', '-e', RENDER], { cwd: app })) as { png: string; textPixels: number; withoutFonts: number; fonts: string[] };
    expect(out.png).toBe('89504e470d0a1a0a');
    expect(out.fonts[0]).toBe(join(app, 'node_modules/dejavu-fonts-ttf/ttf/DejaVuSans.ttf'));
    expect(out.withoutFonts).toBe(0);
    expect(out.textPixels).toBeGreaterThan(200);
  });
});
