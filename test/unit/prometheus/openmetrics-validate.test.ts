import { describe, expect, it } from 'vitest';
import { validateOpenMetrics } from '../../helpers/prometheus-server.ts';

/** The cases promtool 2.42 accepts silently or rejects late (shared/fixtures/prometheus-2.42/promtool-backfill-cases.txt). */
describe('validateOpenMetrics (the guard in front of promtool)', () => {
  it('accepts a well-formed file and counts samples and series', () => {
    const ok = '# TYPE vllm:prompt_tokens counter\nvllm:prompt_tokens_total{model_name="m"} 1 1735689600\nvllm:prompt_tokens_total{model_name="m"} 2 1735689660.5\nfoo 1 1735689600\n# EOF\n';
    expect(validateOpenMetrics(ok)).toEqual({ samples: 3, series: 2 });
  });

  it.each([
    ['no # EOF', 'foo{a="1"} 1 1735689600\n', /must end with "# EOF"/],
    ['no timestamp', 'foo{a="1"} 1\n# EOF\n', /expected "series value timestamp"/],
    ['millisecond timestamps (promtool takes them as seconds: year ~56970)', 'foo{a="1"} 1 1735689600000\n# EOF\n', /looks like milliseconds/],
    ['out of order (promtool silently drops)', 'foo_total{a="1"} 2 1735689660\nfoo_total{a="1"} 1 1735689600\n# EOF\n', /not after 1735689660/],
    ['duplicate timestamp', 'foo{a="1"} 2 1735689660\nfoo{a="1"} 3 1735689660\n# EOF\n', /not after/],
  ])('rejects %s', (_, text, msg) => {
    expect(() => validateOpenMetrics(text)).toThrow(msg);
  });
});
