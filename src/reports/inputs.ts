import type { Selectable } from 'kysely';
import type { DeploymentMonthlyTable, FeatureMonthlyResultsTable, ReconciliationMonthlyTable } from '../db/types.ts';
/**
 * Everything a monthly report is rendered from, as plain JSON-safe data (numeric columns stay
 * decimal strings). The inputs digest is taken over this object, so it holds no "now" beyond the
 * day the month was cut off at (only for a month still in progress) and no computed_at stamps:
 * recomputing identical numbers gives the identical report.
 */
/** The report reads the computed tables as they are selected, less their month and computed_at stamps. */
export type FeatureRow = Omit<Selectable<FeatureMonthlyResultsTable>, 'month' | 'computed_at'>;
export type DeploymentRow = Omit<Selectable<DeploymentMonthlyTable>, 'month' | 'computed_at'>;
/** list_cost and discount are present only where a line reported a list price (older inputs digest the same). */
export type ReconciliationRow = Omit<Selectable<ReconciliationMonthlyTable>, 'month' | 'computed_at' | 'list_cost' | 'discount'> & { list_cost?: string; discount?: string };

export type SpendCategory = 'api' | 'self_hosted' | 'unattributed';

export interface DailySpend {
  day: string;
  category: SpendCategory;
  currency: string;
  amount: string;
}

export interface HourlyLoad {
  deployment: string;
  /** ISO hour, UTC. */
  hour: string;
  tokens: string;
  /** GPUs reporting in DCGM that hour (null when there is no GPU telemetry). */
  gpus: number | null;
}

export interface FeatureMeta {
  name: string;
  architecture: string;
  description: string | null;
  counterfactual: string | null;
  /** What actual_cost is: 'invoiced' (API invoices), 'amortized' (cloud bills with Savings Plans/RIs at their effective rate) or 'billed'. */
  costBasis?: 'invoiced' | 'amortized' | 'billed';
  /** features[].requires: hard constraints the recommendation honours. */
  requires?: string[];
}

export interface DeploymentMeta {
  name: string;
  feature: string | null;
  profile: string;
  replicas: number;
  gpusPerReplica: number;
  tpsPerReplica: number | null;
  maxUtilization: number | null;
  /** The profile's GPU (config gpus key) and provisioning, for the right-sizing line. */
  gpu?: string | null;
  provisioning?: 'static' | 'autoscale' | null;
}

export interface SourceSync {
  source: string;
  account: string;
  watermark: string | null;
  /** The last error when it is more recent than the last success (no timestamps: the same data must
   *  render the same report whenever it was pulled). */
  open_error: string | null;
}

export interface FailedWindow {
  source: string;
  window_start: string;
  window_end: string;
  error: string | null;
}

export interface FxRate {
  date: string;
  from: string;
  to: string;
  rate: string;
}

export interface ReportInputs {
  month: string;
  previousMonth: string;
  currency: string;
  minMonths: number;
  /** Days of the month that have elapsed by the clock (the whole month once it is over). */
  elapsedDays: number;
  daysInMonth: number;
  features: FeatureRow[];
  previousFeatures: FeatureRow[];
  deployments: DeploymentRow[];
  previousDeployments: DeploymentRow[];
  reconciliation: ReconciliationRow[];
  featureMeta: FeatureMeta[];
  deploymentMeta: DeploymentMeta[];
  dailySpend: DailySpend[];
  hourlyLoad: HourlyLoad[];
  /** Per dataset ('openai usage', 'aws costs', 'prometheus serving', …): the days that have rows. */
  coverage: Array<{ dataset: string; days: string[] }>;
  estimatedDays: Array<{ source: string; day: string }>;
  sync: SourceSync[];
  failedWindows: FailedWindow[];
  fxRates: FxRate[];
  /**
   * Spend limits the vendor reported (spend_limits, as last read), each with the month's spend in
   * its scope and currency (cost lines of the source, or of the project). Absent when none is stored.
   */
  spendLimits?: Array<{ source: string; scope: string; scopeId: string; limit: string; currency: string; interval: string | null; spent: string }>;
  /**
   * OpenCost /inferenceCost at list per deployment (its models' list cost ÷ their tokens × 10⁶, in
   * OpenCost's currency, USD by default): the cross-check beside the effective rate. Absent when none.
   */
  opencostListRates?: Array<{ deployment: string; listPer1M: string }>;
  /** Earlier reports whose SMTP delivery outcome is unknown (taken but never confirmed). */
  unknownDeliveries?: Array<{ month: string; recipient: string; messageId: string | null }>;
}
