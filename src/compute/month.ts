import type { Ctx } from '../context.ts';
import { BreakevenError } from '../errors.ts';

export async function computeMonth(_ctx: Ctx, _month: Date): Promise<unknown> {
  throw new BreakevenError('compute is not implemented yet');
}
