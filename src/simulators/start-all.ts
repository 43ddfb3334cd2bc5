import type { Clock } from '../clock.ts';
import { DEFAULT_SEED } from './scenario.ts';
import { startOpenAISimulator } from './openai.ts';
import { startAnthropicSimulator, SIM_API_KEY as ANTHROPIC_SIM_KEY } from './anthropic.ts';
import { startCostExplorerSimulator } from './aws-ce.ts';
import { startPrometheusSimulator } from './prometheus.ts';
import { startOpencostSimulator } from './opencost.ts';

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
    // The demo's invoices differ from usage × list price the way real ones do (the report's
    // reconciliation shows each gap): OpenAI bills every daily line in cents and grants a promotional
    // credit on the 15th of each month; Anthropic bills at a negotiated discount off list.
    const openai = await startOpenAISimulator({ seed, now, billInCents: true, extraCostResults: demoCredit });
    started.push(openai);
    const anthropic = await startAnthropicSimulator({ seed, now, discount: DEMO_ANTHROPIC_DISCOUNT });
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
