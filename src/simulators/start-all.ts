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

/** The demo's negotiated Anthropic discount off list (the config does not know it: reconciliation shows it). */
export const DEMO_ANTHROPIC_DISCOUNT = '0.08';
/** The demo's monthly OpenAI promotional credit, on the code-review project. */
export const DEMO_OPENAI_CREDIT = '-150';

function demoCredit(bucket: { start_time: number }): Array<Record<string, unknown>> {
  if (new Date(bucket.start_time * 1000).getUTCDate() !== 15) return [];
  return [{ object: 'organization.costs.result', amount: { value: DEMO_OPENAI_CREDIT, currency: 'usd' }, line_item: 'Promotional credit', project_id: 'proj_eng', api_key_id: null, quantity: null, quantity_unit: null }];
}

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
    // The demo's invoices differ from usage × list price the way real ones do (the report's
    // reconciliation shows each gap): OpenAI bills every daily line in cents and grants a promotional
    // credit on the 15th of each month; Anthropic bills at a negotiated discount off list.
    const openai = await startOpenAISimulator({ seed, now, port: port('openai'), billInCents: true, extraCostResults: demoCredit });
    started.push(openai);
    const anthropic = await startAnthropicSimulator({ seed, now, port: port('anthropic'), discount: DEMO_ANTHROPIC_DISCOUNT });
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
