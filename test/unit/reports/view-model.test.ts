import { describe, expect, it } from 'vitest';
import { buildReportView } from '../../../src/reports/view-model.ts';
import { featureRow, reportFixture } from '../../factories/report-fixture.ts';

describe('report view model', () => {
  it('rolls dotted features up into the parent, children indented after it', () => {
    const v = buildReportView(reportFixture(), 'd');
    const i = v.summaryRows.findIndex((r) => r.feature === 'support-chat' && r.level === 0);
    expect(v.summaryRows[i]).toMatchObject({ group: true, spend: '$5,143.97' }); // 4,785.41 + 358.56
    expect(v.summaryRows[i + 1]).toMatchObject({ level: 1, label: 'support-chat (direct)', spend: '$4,785.41' });
    expect(v.summaryRows[i + 2]).toMatchObject({ level: 1, label: 'support-chat.guardrail', spend: '$358.56' });
    // Feature cards: the child follows its parent.
    const names = v.features.map((f) => f.feature);
    expect(names.indexOf('support-chat.guardrail')).toBe(names.indexOf('support-chat') + 1);
    expect(v.features.find((f) => f.feature === 'support-chat.guardrail')).toMatchObject({ parent: 'support-chat', level: 1 });
  });

  it('totals spend by architecture with decimal sums and keeps unattributed visible and last', () => {
    const v = buildReportView(reportFixture(), 'd');
    expect(v.kpis.map((k) => [k.label, k.value])).toEqual([
      ['Total spend', '$71,319.34'],
      ['API', '$14,434.22'],
      ['Self-hosted', '$56,702.77'],
      ['Unattributed', '$182.35'],
    ]);
    expect(v.summaryRows.at(-1)).toMatchObject({ feature: 'unattributed', spend: '$182.35' });
    expect(v.totalRow.spend).toBe('$71,319.34');
  });

  it('shows unattributed as zero when there is none', () => {
    const inputs = reportFixture();
    inputs.features = inputs.features.filter((f) => f.feature !== 'unattributed');
    inputs.reconciliation = inputs.reconciliation.map((r) => ({ ...r, unattributed_cost: '0' }));
    const v = buildReportView(inputs, 'd');
    expect(v.summaryRows.at(-1)).toMatchObject({ feature: 'unattributed', spend: '$0.00' });
    expect(v.kpis[3]).toMatchObject({ label: 'Unattributed', value: '$0.00' });
  });

  it('reports month-over-month change, the three biggest moves and changed recommendations', () => {
    const v = buildReportView(reportFixture(), 'd');
    expect(v.kpis[0]!.note).toBe('+3% vs Sep');
    expect(v.moves.map((m) => [m.feature, m.delta, m.change])).toEqual([
      ['code-review', '+$1,629.85', '+31.3%'],
      ['support-chat', '+$165.31', '+3.6%'],
      ['internal-copilot', '+$94.50', '+2.3%'],
    ]);
    expect(v.recommendationChanges).toEqual([
      { feature: 'doc-summarizer', from: 'Stay on API', to: 'Hybrid: 1 replica, 78% served locally' },
      { feature: 'search-rerank', from: 'Keep self-hosted', to: 'Move to API' },
    ]);
    // The headline is the sum of recommended_saving (fully loaded): search-rerank → API saves
    // 52,518.27 + 12,119.60 − 1,146.40; doc-summarizer hybrid saves 2,450.00 − 2,142.18.
    expect(v.savings).toBe('$63,799.29 per month');
    const cards = v.features.map((f) => f.details.find((d) => d.label === 'Saving')?.value ?? null).filter((x): x is string => x !== null);
    expect(cards).toEqual(['$63,491.47/month', '$307.82/month']);
  });

  it('formats a feature: rates, counterfactual, break-even, binding constraint', () => {
    const v = buildReportView(reportFixture(), 'd');
    const doc = v.features.find((f) => f.feature === 'doc-summarizer')!;
    expect(doc.rate).toBe('$0.79');
    expect(doc.rateOutput).toBe('$8.17');
    expect(doc.breakEven).toBe('2.33B tokens/month');
    // One binding factor per card, the recommendation's (not the break-even step's).
    expect(doc.binding).toBe('utilization');
    expect(doc.details.map((d) => d.note ?? '').join(' ')).not.toContain('binding constraint');
    expect(doc.counterfactual).toBe('Self-hosted (llama-8b-l40s): $3,584.00/month');
    expect(doc.recommendation).toBe('Hybrid: 1 replica, 78% served locally');
    expect(doc.chart?.svg).toContain('break-even 2.3B');
    const code = v.features.find((f) => f.feature === 'code-review')!;
    expect(code.breakEven).toBe('never at this price');
    expect(code.details.find((d) => d.label === 'Break-even')!.note).toContain('self-hosting costs $23.66 per 1M at full capacity vs $4.91 on the API');
    // "never" stands alone: no capacity-free volume beside it unless labelled.
    expect(code.details.find((d) => d.label === 'Break-even')!.note).not.toContain('ignoring capacity');
    const guard = v.features.find((f) => f.feature === 'support-chat.guardrail')!;
    expect(guard.details.find((d) => d.label === 'Spend')!.note).toContain('invoiced');
    const rerank = v.features.find((f) => f.feature === 'search-rerank')!;
    expect(rerank.details.find((d) => d.label === 'Spend')!.note).toContain('amortized cloud cost');
    expect(rerank.details.find((d) => d.label === 'Spend')!.note).not.toContain('billed');
  });

  it('withholds recommendations with fewer than min months of data', () => {
    const v = buildReportView(reportFixture({ dataMonths: 1 }), 'd');
    for (const f of v.features.filter((x) => x.feature !== 'unattributed')) {
      expect(f.recommendation).toBe('insufficient data: 1 of 3 months');
      expect(f.sufficientData).toBe(false);
    }
    expect(v.savings).toBeNull();
    expect(v.recommendationChanges).toEqual([]);
    const copilot = buildReportView(reportFixture(), 'd').features.find((f) => f.feature === 'internal-copilot')!;
    expect(copilot.dataMonths).toBe('insufficient data: 2 of 3 months');
  });

  it('deployment metrics: utilization tax, measured vs profile throughput, month over month', () => {
    const v = buildReportView(reportFixture(), 'd');
    const d = v.deployments.find((x) => x.deployment === 'copilot-vllm')!;
    const m = Object.fromEntries(d.metrics.map((x) => [x.label, x]));
    // COST-MODEL §10: capacity that served nothing, hour by hour (78% at 22% token utilization), not only idle hours.
    expect(d.utilizationTax).toBe('$1,599.64');
    expect(m['Utilization tax']!.note).toContain('78% of GPU cost');
    expect(m['Utilization tax']!.note).toContain('of it $1,120.40 in 402 idle hours');
    const rerank = v.deployments.find((x) => x.deployment === 'rerank-70b')!;
    expect(rerank.headline).toContain('12% GPU utilization');
    expect(rerank.utilizationTax).toBe('$38,083.28');
    expect(m['Throughput per GPU']!.value).toBe('640 tok/s measured');
    expect(m['Throughput per GPU']!.note).toContain('profile 1,500 tok/s (43% of profile)');
    expect(m['GPU utilization (DCGM)']).toMatchObject({ value: '31%', note: 'last month 27%' });
    expect(m['KV-cache usage']).toMatchObject({ value: '18% avg', note: 'p95 52%' });
    expect(m['Prefix-cache hit rate']!.value).toBe('41%');
    expect(d.chart?.svg).toContain('provisioned');
  });

  it('deployment capacity at the SLO and right-sizing lines: lower bound, under-provisioned, none without an SLO', () => {
    const inputs = reportFixture();
    inputs.deploymentMeta = inputs.deploymentMeta.map((m) => ({ ...m, gpu: m.name === 'copilot-vllm' ? 'l40s' : 'h100', provisioning: 'static' as const }));
    inputs.deployments = inputs.deployments.map((d) =>
      d.deployment === 'copilot-vllm'
        ? { ...d, slo_ttft_p95_seconds: 1.5, slo_e2e_p95_seconds: null, ttft_p95_seconds: 0.8, e2e_p95_seconds: 6.25, slo_busy_hours: 240, slo_violation_hours: 0,
            capacity_tps_per_replica: 1800, capacity_source: 'lower_bound', capacity_at_slo_tps_per_replica: 1800, profile_tps_per_replica: 1500,
            slo_compliant_tps_per_replica: 1800, replicas: 2, recommended_replicas: 3, right_sizing_saving: '-1339.92' }
        : { ...d, capacity_tps_per_replica: 1200, capacity_source: 'profile', profile_tps_per_replica: 1200, capacity_reason: 'no latency SLO set: the profile throughput is used', replicas: 1, recommended_replicas: 1, right_sizing_saving: '0' },
    );
    const v = buildReportView(inputs, 'd');
    const m = (name: string) => Object.fromEntries(v.deployments.find((x) => x.deployment === name)!.metrics.map((x) => [x.label, x]));
    const copilot = m('copilot-vllm');
    expect(copilot['Latency (p95 over the month)']).toMatchObject({ value: 'TTFT 0.8 s · e2e 6.25 s', note: 'SLO TTFT p95 ≤ 1.5 s · 0 hours broke it' });
    expect(copilot['Capacity at your SLO']!.value).toBe('at least 1,800 tok/s per replica at your SLO (profile: 1,500)');
    expect(copilot['Capacity at your SLO']!.note).toContain('busiest hour within the SLO 1,800 tok/s');
    expect(copilot['Right-sizing']!.value).toBe('2 × L40S run at 22%: 3 replicas meet the SLO, $1,339.92 more per month');
    expect(copilot['Throughput per GPU']!.note).toContain('sizing and break-even use the capacity at the SLO');
    const rerank = m('rerank-70b');
    expect(rerank['Capacity at your SLO']).toBeUndefined();
    expect(rerank['Right-sizing']!.value).toBe("1 × 8×H100 run at 7%: 1 replica carries the load at the profile's 1,200 tok/s, right-sized");
  });

  it('converts nothing itself (compute converts every amount) and lists the rates compute used', () => {
    const inputs = reportFixture({ selfHosted: false, withPrevious: false });
    inputs.features.push(featureRow({ feature: 'eu-bot', actual_cost: '100.00', currency: 'EUR' }));
    inputs.features[0]!.assumptions = { ...inputs.features[0]!.assumptions, fx: [{ pair: 'EUR/USD', rate: '1.1720', date: '2025-07-01', source: 'config' }] };
    const v = buildReportView(inputs, 'd');
    // One FX path: an amount that still arrives in EUR is shown as it is and flagged, never converted twice.
    expect(v.summaryRows.find((r) => r.feature === 'eu-bot')).toBeDefined();
    expect(v.dataQuality.issues.join('\n')).toContain('Amounts in EUR reached the report unconverted');
    expect(v.assumptions.fx).toContainEqual({ pair: 'EUR/USD', rate: '1.1720', date: '2025-07-01' });
  });

  it('flags unconvertible currencies instead of silently adding them', () => {
    const inputs = reportFixture({ selfHosted: false });
    inputs.features.push(featureRow({ feature: 'jp-bot', actual_cost: '5000', currency: 'JPY' }));
    const v = buildReportView(inputs, 'd');
    expect(v.summaryRows.find((r) => r.feature === 'jp-bot')).toBeDefined();
    expect(v.dataQuality.issues.join('\n')).toContain('Amounts in JPY reached the report unconverted');
  });

  it('data quality: coverage gaps, estimated days, stale sync', () => {
    const inputs = reportFixture();
    inputs.sync.push({ source: 'prometheus', account: 'default', watermark: '2026-10-20T00:00:00.000Z', open_error: 'HTTP 503' });
    const v = buildReportView(inputs, 'd');
    expect(v.dataQuality.clean).toBe(false);
    expect(v.dataQuality.coverage.find((c) => c.dataset === 'prometheus serving')).toEqual({ dataset: 'prometheus serving', covered: '29 of 31 days', gaps: 'missing Oct 12–13' });
    const issues = v.dataQuality.issues.join('\n');
    expect(issues).toContain('aws: 3 days still estimated (Oct 29–31)');
    expect(issues).toContain('prometheus: synced only through Oct 20');
    expect(issues).toContain('prometheus: last pull failed: HTTP 503');
  });

  it('renders the API-only month without deployment sections', () => {
    const v = buildReportView(reportFixture({ selfHosted: false }), 'd');
    expect(v.hasDeployments).toBe(false);
    expect(v.kpis[2]).toMatchObject({ label: 'Self-hosted', value: '$0.00' });
    expect(v.charts.every((c) => !c.id.startsWith('load-'))).toBe(true);
  });
});

describe('a feature that requires self-hosting', () => {
  it('shows the constraint, the priced reason and the requirement as its binding factor, with no saving', () => {
    const inputs = reportFixture();
    inputs.featureMeta = inputs.featureMeta.map((m) => (m.name === 'code-review' ? { ...m, requires: ['no_third_party'] } : m));
    inputs.features = inputs.features.map((f) =>
      f.feature === 'code-review'
        ? { ...f, recommendation: 'self_hosted', binding_factor: 'requirement', recommended_saving: '0', recommendation_reason: 'Moving to self-hosting is required by the no-third-party rule; it costs $48,094.44/month more than the API would; binding factor: requirement' }
        : f,
    );
    const card = buildReportView(inputs, 'd').features.find((f) => f.feature === 'code-review')!;
    expect(card.recommendation).toBe('Move to self-hosted');
    expect(card.binding).toBe('requirement');
    expect(card.recommendationNote).toContain('it costs $48,094.44/month more than the API would');
    expect(card.details.find((d) => d.label === 'Requires')!.value).toBe('no third party');
    expect(card.details.find((d) => d.label === 'Saving')).toBeUndefined();
  });
});

describe('review fixes: labels that must not contradict', () => {
  it('a feature that requires self-hosting is offered no hybrid (it cannot spill to the API)', () => {
    const inputs = reportFixture();
    const plain = buildReportView(inputs, 'd').features.find((f) => f.feature === 'doc-summarizer')!;
    expect(plain.details.find((d) => d.label === 'Best hybrid')).toBeDefined();
    inputs.featureMeta = inputs.featureMeta.map((m) => (m.name === 'doc-summarizer' ? { ...m, requires: ['data_residency'] } : m));
    const card = buildReportView(inputs, 'd').features.find((f) => f.feature === 'doc-summarizer')!;
    expect(card.details.find((d) => d.label === 'Best hybrid')).toBeUndefined();
  });

  it('an API invoice without usage is "cost without usage", not an amortized cloud bill', () => {
    const inputs = reportFixture();
    inputs.reconciliation = inputs.reconciliation.map((r) => (r.provider === 'openai' ? { ...r, estimated_cost: null, gap: null, cost_without_usage: true } : r));
    const rows = buildReportView(inputs, 'd').reconciliation.rows;
    const openai = rows.find((r) => r.provider === 'openai')!;
    expect(openai.notes).toContain('cost without usage');
    expect(openai.notes).not.toContain('amortized');
    expect(rows.find((r) => r.provider === 'aws')!.notes).toContain('amortized cloud cost');
  });
});
