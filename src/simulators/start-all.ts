import type { Clock } from '../clock.ts';
import { DEFAULT_SEED } from './scenario.ts';
import { startOpenAISimulator } from './openai.ts';
import { startAnthropicSimulator, SIM_API_KEY as ANTHROPIC_SIM_KEY } from './anthropic.ts';
import { startCostExplorerSimulator } from './aws-ce.ts';
import { startPrometheusSimulator } from './prometheus.ts';
import { startOpencostSimulator } from './opencost.ts';

export interface RunningSimulators {
  /** Environment that points the real connectors at the simulators (fake credentials only). */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Starts every source simulator on 127.0.0.1 (random free ports), all driven by the demo company's
 * scenario, and returns the environment that points the real connectors at them.
 */
export async function startAllSimulators(opts: { clock: Clock; seed?: number }): Promise<RunningSimulators> {
  const seed = opts.seed ?? DEFAULT_SEED;
  const now = () => opts.clock.now();
  const started: Array<{ close(): Promise<void> }> = [];
  try {
    const openai = await startOpenAISimulator({ seed, now });
    started.push(openai);
    const anthropic = await startAnthropicSimulator({ seed, now });
    started.push(anthropic);
    const ce = await startCostExplorerSimulator({ seed, now });
    started.push(ce);
    const prom = await startPrometheusSimulator({ seed });
    started.push(prom);
    const opencost = await startOpencostSimulator();
    started.push(opencost);
    return {
      env: {
        OPENAI_BASE_URL: openai.url,
        OPENAI_ADMIN_KEY: 'sk-admin-demo',
        ANTHROPIC_BASE_URL: anthropic.url,
        ANTHROPIC_ADMIN_KEY: ANTHROPIC_SIM_KEY,
        AWS_ENDPOINT_URL_COST_EXPLORER: ce.url,
        // Fake static credentials: the simulator accepts any signature, and a user's real AWS
        // credentials are never used to sign requests to it.
        AWS_ACCESS_KEY_ID: 'AKIDSIMULATOR',
        AWS_SECRET_ACCESS_KEY: 'simulator-secret',
        PROMETHEUS_URL: prom.url,
        OPENCOST_URL: opencost.url,
      },
      close: async () => {
        await Promise.allSettled(started.map((s) => s.close()));
      },
    };
  } catch (err) {
    await Promise.allSettled(started.map((s) => s.close()));
    throw err;
  }
}
