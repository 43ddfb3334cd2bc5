import type { Ctx } from '../context.ts';
import { BreakevenError } from '../errors.ts';

export async function writeMonthlyReport(_ctx: Ctx, _month: Date, _outDir?: string): Promise<unknown> {
  throw new BreakevenError('report is not implemented yet');
}
