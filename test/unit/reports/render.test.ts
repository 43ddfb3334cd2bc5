import { describe, expect, it } from 'vitest';
import { createReportTemplates } from '../../../src/reports/templates.ts';
import { renderReport } from '../../../src/reports/render.ts';
import { featureRow, reportFixture } from '../../factories/report-fixture.ts';

const XSS = '<img src=x onerror=alert(1)>';

describe('report rendering', () => {
  it('renders identical bytes from identical inputs, even with freshly compiled templates', () => {
    const a = renderReport(reportFixture(), { templates: createReportTemplates(), png: false });
    const b = renderReport(reportFixture(), { templates: createReportTemplates(), png: false });
    expect(b.html).toBe(a.html);
    expect(b.emailHtml).toBe(a.emailHtml);
    expect(b.text).toBe(a.text);
    expect(b.csv).toBe(a.csv);
    expect(b.subject).toBe(a.subject);
    expect(b.inputsDigest).toBe(a.inputsDigest);
    expect(a.inputsDigest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives a different digest when any input changes, and none for key order', () => {
    const base = renderReport(reportFixture(), { png: false }).inputsDigest;
    const changed = reportFixture();
    changed.features[0] = { ...changed.features[0]!, actual_cost: '4785.42' };
    expect(renderReport(changed, { png: false }).inputsDigest).not.toBe(base);
    const reordered = reportFixture();
    reordered.features = reordered.features.map((f) => Object.fromEntries(Object.entries(f).reverse()) as typeof f);
    expect(renderReport(reordered, { png: false }).inputsDigest).toBe(base);
  });

  it('produces identical PNG charts for identical inputs', () => {
    const a = renderReport(reportFixture({ selfHosted: false }));
    const b = renderReport(reportFixture({ selfHosted: false }));
    expect(a.attachments.length).toBeGreaterThan(0);
    expect(a.attachments.map((x) => x.content.toString('base64'))).toEqual(b.attachments.map((x) => x.content.toString('base64')));
  });

  it('escapes source values in HTML and SVG, keeps them intact in text, neutralises them in CSV', () => {
    const inputs = reportFixture({
      extraFeatures: [
        featureRow({ feature: XSS, actual_cost: '10.00', recommendation_reason: '=HYPERLINK("http://x")', counterfactual_architecture: 'self_hosted',
          assumptions: { break_even: { capacityPerReplicaMonth: 1e9, replicaMonthCost: 1000, apiPricePer1M: 2 } } }),
      ],
    });
    const r = renderReport(inputs, { png: false });
    for (const html of [r.html, r.emailHtml]) {
      expect(html).not.toContain(XSS);
      expect(html).not.toMatch(/<img src=x/i);
      expect(html).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
    }
    expect(r.html).toContain('&lt;img src=x onerror=alert(1)&gt;'); // inside the inline SVG (XML escaping)
    expect(r.text).toContain(XSS);
    expect(r.csv).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(r.csv).toContain(`,${XSS},`);
  });

  it('email HTML references every chart by cid; the file inlines SVG', () => {
    const r = renderReport(reportFixture());
    const cids = [...r.emailHtml.matchAll(/src="cid:([^"]+)"/g)].map((m) => m[1]);
    expect(cids.length).toBe(r.attachments.length);
    expect(cids.sort()).toEqual(r.attachments.map((a) => a.cid).sort());
    expect(r.emailHtml).not.toContain('<svg');
    expect((r.html.match(/<svg /g) ?? []).length).toBe(r.attachments.length);
    expect(r.html).not.toContain('cid:');
  });

  it('plain text stands alone: every section and the key numbers', () => {
    const r = renderReport(reportFixture(), { png: false });
    for (const s of ['WHAT CHANGED', 'SPEND BY FEATURE', 'FEATURES', 'SELF-HOSTED DEPLOYMENTS', 'RECONCILIATION', 'DATA QUALITY', 'ASSUMPTIONS']) expect(r.text).toContain(s);
    expect(r.text).toContain('$71,319.34');
    expect(r.text).toMatch(/ {2}- support-chat\.guardrail +\$358\.56/);
    expect(r.text).not.toMatch(/&[a-z]+;|&#/);
  });

  it('fails loudly when the view model misses a key the template uses (strict mode)', () => {
    const t = createReportTemplates();
    const view = renderReport(reportFixture(), { png: false }).view;
    const broken = { ...view } as Record<string, unknown>;
    delete broken.headline;
    expect(() => t.text(broken as never)).toThrow(/"headline" not defined/);
    expect(() => t.html({ ...broken, inlineSvg: true } as never)).toThrow(/"headline" not defined/);
  });
});
