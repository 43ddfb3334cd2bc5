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

// The report as a reader sees it in a browser: the headline saving is the sum of the cards'
// savings, every self-hosted deployment shows its utilization tax, at desktop and phone widths.
describe.each([1280, 390])('the report tells one story at %ipx', (width) => {
  it('headline saving = sum of the cards, a utilization tax on every deployment, no console errors', async () => {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`file://${file}`);
    const found = (await page.evaluate(`(() => {
      const cells = [...document.querySelectorAll('td')];
      const valueOf = (label) => cells.filter((td) => td.textContent.trim() === label).map((td) => td.nextElementSibling.childNodes[0].textContent.trim());
      const callout = [...document.querySelectorAll('p')].map((p) => p.textContent).find((t) => t.includes('would save about')) || null;
      const visible = (label) => cells.filter((td) => td.textContent.trim() === label).every((td) => { const r = td.getBoundingClientRect(); return r.width > 0 && r.right <= window.innerWidth; });
      return { savings: valueOf('Saving'), tax: valueOf('Utilization tax'), callout, visible: visible('Saving') && visible('Utilization tax') };
    })()`)) as { savings: string[]; tax: string[]; callout: string | null; visible: boolean };
    const cents = (s: string) => Math.round(Number(s.replace(/[^0-9.]/g, '')) * 100);
    expect(found.savings.length).toBeGreaterThan(0);
    const headline = /would save about (\$[\d,.]+) per month/.exec(found.callout ?? '');
    expect(headline, found.callout ?? 'no savings callout').not.toBeNull();
    expect(cents(headline![1]!)).toBe(found.savings.reduce((a, s) => a + cents(s), 0));
    expect(found.tax.length).toBe(2);
    for (const t of found.tax) expect(cents(t)).toBeGreaterThan(0);
    expect(found.visible).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });
});
