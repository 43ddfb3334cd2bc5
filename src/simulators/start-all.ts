import type { Clock } from '../clock.ts';
import { DEFAULT_SEED } from './scenario.ts';
import { startOpenAISimulator } from './openai.ts';
import { startAnthropicSimulator, SIM_API_KEY as ANTHROPIC_SIM_KEY } from './anthropic.ts';
import { startCostExplorerSimulator } from './aws-ce.ts';
import { startPrometheusSimulator } from './prometheus.ts';
import { startOpencostSimulator } from './opencost.ts';

/**
 * The simulators in port order: with a port base N (`breakeven simulate`, default 4010) the i-th
 * listens on N + i, so its URL, and the environment pointing at it, is the same on every run.
 */
export const SIMULATORS = ['openai', 'anthropic', 'aws', 'prometheus', 'opencost'] as const;
export const DEFAULT_PORT_BASE = 4010;
/** The scenarios the simulators can play (`breakeven simulate --scenario`). */
export const SCENARIOS = ['demo'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface RunningSimulators {
  /** Environment that points the real connectors at the simulators (fake credentials only). */
  env: Record<string, string>;
  /** Each simulator and where it listens, in port order. */
  servers: Array<{ name: (typeof SIMULATORS)[number]; url: string }>;
  close(): Promise<void>;
}

/**
 * Starts every source simulator on 127.0.0.1, all driven by the demo company's scenario, and
 * returns the environment that points the real connectors at them. Ports: free random ones
 * (`demo`, tests), or portBase + the simulator's index in SIMULATORS (`simulate`).
 */
export async function startAllSimulators(opts: { clock: Clock; seed?: number; portBase?: number }): Promise<RunningSimulators> {
  const seed = opts.seed ?? DEFAULT_SEED;
  const now = () => opts.clock.now();
  const port = (name: (typeof SIMULATORS)[number]) => (opts.portBase === undefined ? 0 : opts.portBase + SIMULATORS.indexOf(name));
  const started: Array<{ close(): Promise<void> }> = [];
  try {
    const openai = await startOpenAISimulator({ seed, now, port: port('openai') });
    started.push(openai);
    const anthropic = await startAnthropicSimulator({ seed, now, port: port('anthropic') });
    started.push(anthropic);
    const ce = await startCostExplorerSimulator({ seed, now, port: port('aws') });
    started.push(ce);
    const prom = await startPrometheusSimulator({ seed, port: port('prometheus') });
    started.push(prom);
    const opencost = await startOpencostSimulator({ port: port('opencost') });
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
      servers: [
        { name: 'openai', url: openai.url },
        { name: 'anthropic', url: anthropic.url },
        { name: 'aws', url: ce.url },
        { name: 'prometheus', url: prom.url },
        { name: 'opencost', url: opencost.url },
      ],
      close: async () => {
        await Promise.allSettled(started.map((s) => s.close()));
      },
    };
  } catch (err) {
    await Promise.allSettled(started.map((s) => s.close()));
    throw err;
  }
}
