import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport } from '../../../src/reports/render.ts';
import { featureRow, reportFixture } from '../../factories/report-fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

let browser: Browser;
let file: string;
let emailFile: string;
let expectedCharts = 0;

beforeAll(async () => {
  // Fail, never skip: the layout checks are part of the suite.
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install it (apt-get install -y chromium) to run the report layout tests`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  const inputs = reportFixture({
    extraFeatures: [featureRow({ feature: 'an-extremely-long-feature-name-without-any-natural-break-points-at-all-xxxxxxxx', actual_cost: '1.00' })],
  });
  const r = renderReport(inputs);
  expectedCharts = r.attachments.length;
  expect(expectedCharts).toBe(9); // daily spend, six break-even curves, two deployments
  const dir = await mkdtemp(join(tmpdir(), 'bk-browser-'));
  file = join(dir, 'report.html');
  emailFile = join(dir, 'email.html');
  await writeFile(file, r.html);
  // The email variant with its cid: images rewritten to data: URLs, as a mail client would show it.
  let email = r.emailHtml;
  for (const a of r.attachments) email = email.replaceAll(`cid:${a.cid}`, `data:image/png;base64,${a.content.toString('base64')}`);
  await writeFile(emailFile, email);
});
afterAll(async () => browser?.close());

describe.each([1280, 390])('report HTML at %ipx', (width) => {
  it.each([
    ['file', () => file],
    ['email', () => emailFile],
  ])('%s variant: no horizontal overflow, every chart visible, no console errors', async (variant, path) => {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`file://${path()}`);
    // A string expression: the test compiles without the DOM lib.
    const layout = (await page.evaluate('({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })')) as { scrollWidth: number; innerWidth: number };
    expect(layout.scrollWidth).toBeLessThanOrEqual(layout.innerWidth);
    const charts = page.locator(variant === 'file' ? 'svg[role="img"]' : 'img[src^="data:image/png"]');
    const count = await charts.count();
    expect(count).toBe(expectedCharts);
    for (let i = 0; i < count; i++) {
      const box = await charts.nth(i).boundingBox();
      expect(box && box.width > 0 && box.height > 0).toBe(true);
      expect(box!.x + box!.width).toBeLessThanOrEqual(width);
    }
    if (variant === 'file') await page.screenshot({ path: `/tmp/breakeven-report-${width}.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});
