import { describe, expect, it } from 'vitest';
import { collectPrometheusWindow } from '../../../src/sources/prometheus/collect.ts';
import { NegativeCounterError } from '../../../src/sources/prometheus/counters.ts';
import { exampleConfig } from '../../helpers/db.ts';
import { fakeHttp } from './fakes.ts';

/** A Prometheus answering every range query with one vLLM counter series whose samples go negative. */
describe('a Prometheus counter that goes negative', () => {
  it('fails the window naming the series and the time, instead of storing negative tokens', async () => {
    const start = Date.UTC(2026, 9, 1) / 1000;
    const srv = await fakeHttp((req, res, body) => {
      const q = new URLSearchParams(body).get('query') ?? '';
      const result = q.includes('resets(')
        ? []
        : [
            {
              metric: { __name__: 'vllm:prompt_tokens_total', deployment: 'copilot-vllm', model_name: 'llama' },
              values: [
                [start, '1000'],
                [start + 3600, '1500'],
                [start + 7200, '-40'],
              ],
            },
          ];
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } }));
    });
    try {
      const http = { fetch, now: () => new Date('2026-11-24T12:00:00Z'), sleep: async () => {} };
      const err = await collectPrometheusWindow(http, {
        target: { baseUrl: srv.url },
        depLabel: 'deployment',
        config: exampleConfig(),
        start: new Date(start * 1000),
        end: new Date((start + 7200) * 1000),
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NegativeCounterError);
      expect((err as Error).message).toBe(
        'prometheus: counter vllm:prompt_tokens_total{deployment="copilot-vllm", model_name="llama"} has a negative sample (-40) at 2026-10-01T02:00:00.000Z; counters never go below zero — fix the exporter or recording rule behind it (nothing of this window was written)',
      );
    } finally {
      await srv.close();
    }
  });
});
