/**
 * The report's view model: every value already formatted in the reporting currency, so templates
 * only place strings. Templates are compiled with `strict: true`, so every key here must be present
 * (null is allowed and means "not applicable").
 */
export interface ChartView {
  id: string;
  cid: string;
  title: string;
  alt: string;
  svg: string;
  width: number;
  height: number;
}

export interface LabelValue {
  label: string;
  value: string;
  note: string | null;
}

export interface Kpi {
  label: string;
  value: string;
  note: string;
}

export interface SummaryRow {
  feature: string;
  label: string;
  /** 0 = top level (a feature or a rolled-up parent), 1 = indented child. */
  level: number;
  group: boolean;
  architecture: string;
  spend: string;
  share: string;
  change: string;
  recommendation: string;
}

export interface MoveView {
  feature: string;
  delta: string;
  change: string;
  previous: string;
  current: string;
  up: boolean;
}

export interface RecommendationChange {
  feature: string;
  from: string;
  to: string;
}

export interface FeatureView {
  feature: string;
  parent: string | null;
  level: number;
  architecture: string;
  description: string | null;
  spend: string;
  volume: string;
  rate: string;
  rateOutput: string;
  counterfactual: string | null;
  breakEven: string;
  breakEvenNever: boolean;
  binding: string | null;
  recommendation: string;
  recommendationReason: string | null;
  /** The reason and the binding factor, one line. */
  recommendationNote: string | null;
  sufficientData: boolean;
  dataMonths: string;
  /** The key-value rows of the feature's card, in reading order. */
  details: LabelValue[];
  warnings: string[];
  chart: ChartView | null;
  chartNote: string | null;
}

export interface DeploymentView {
  deployment: string;
  feature: string | null;
  headline: string;
  utilizationTax: string;
  metrics: LabelValue[];
  chart: ChartView | null;
}

export interface ReconciliationView {
  rows: Array<{ provider: string; invoice: string; estimate: string; gap: string; gapPct: string | null; notes: string }>;
  unattributed: string;
  unattributedByProvider: string[];
  unpriced: string[];
  empty: boolean;
}

export interface DataQualityView {
  clean: boolean;
  coverage: Array<{ dataset: string; covered: string; gaps: string | null }>;
  issues: string[];
}

export interface AssumptionsView {
  prices: Array<{ label: string; effectiveFrom: string; detail: string }>;
  fx: Array<{ pair: string; rate: string; date: string }>;
  profiles: Array<{ name: string; detail: string }>;
  overheads: LabelValue[];
  throughput: Array<{ deployment: string; detail: string }>;
  empty: boolean;
}

export interface ReportView {
  month: string;
  monthTitle: string;
  previousMonthTitle: string;
  /** 'Sep', or 'Dec 2025' across a year boundary. */
  previousMonthShort: string;
  currency: string;
  subject: string;
  headline: string;
  partialMonth: string | null;
  kpis: Kpi[];
  moves: MoveView[];
  recommendationChanges: RecommendationChange[];
  /** The month before has computed figures: month-over-month lines can be said at all. */
  previousAvailable: boolean;
  /** The sum of the features' recommended_saving (fully loaded), "$1,234.56 per month"; null when none. */
  savings: string | null;
  summaryRows: SummaryRow[];
  totalRow: SummaryRow;
  dailyChart: ChartView | null;
  features: FeatureView[];
  deployments: DeploymentView[];
  hasDeployments: boolean;
  reconciliation: ReconciliationView;
  dataQuality: DataQualityView;
  assumptions: AssumptionsView;
  inputsDigest: string;
  charts: ChartView[];
}
