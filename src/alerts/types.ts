export type AlertKind = 'budget' | 'spike_spend' | 'spike_tokens';

/** One alert raised for one day; values are decimal strings (money in `currency`, or tokens). */
export interface AlertEvent {
  /** Stable per rule and feature, e.g. `budget:support-chat`; sends are claimed per (key, day). */
  key: string;
  day: string;
  kind: AlertKind;
  feature: string;
  observed: string;
  threshold: string;
  /** The trailing median a spike is measured against (null for budgets). */
  baseline: string | null;
  /** Currency of observed/threshold for spend alerts; null for token spikes. */
  currency: string | null;
  title: string;
  message: string;
}
