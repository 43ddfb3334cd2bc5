import type { SourceDescriptor } from '../descriptor.ts';
import { prometheusConnector } from './connector.ts';

/** Prometheus: vLLM/SGLang/TGI serving metrics, latency histograms and DCGM GPU telemetry per deployment and hour. */
export const prometheusSource: SourceDescriptor = {
  name: 'prometheus',
  connector: prometheusConnector,
  feeds: ['serving', 'gpu', 'latency'],
  env: { endpoint: 'PROMETHEUS_URL', credentials: ['PROMETHEUS_BEARER_TOKEN'] },
};
