import type { Ctx } from '../../context.ts';
import { BreakevenError } from '../../errors.ts';

// Placeholder until the FOCUS importer lands.
export async function importFocusFile(_ctx: Ctx, _opts: { path: string; provider?: string }): Promise<{ rows: number }> {
  throw new BreakevenError('FOCUS import is not implemented yet');
}
