import type { Ctx } from '../context.ts';
import { BreakevenError } from '../errors.ts';

export async function deliverMonthlyReport(_ctx: Ctx, _month: Date, _opts: { to?: string[] | undefined; force: boolean }): Promise<unknown> {
  throw new BreakevenError('delivery is not implemented yet');
}
