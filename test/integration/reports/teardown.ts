import type { TestCtx } from '../../helpers/db.ts';

/**
 * ctx.destroy() drops the database WITH (FORCE) right after the pool's end() resolves, but pg-pool
 * resolves end() before its clients' sockets have closed; the server then terminates those
 * backends and pg emits an unhandled 57P01 error on the ending client. Give the sockets a moment.
 */
export async function destroyAfterClose(ctx: TestCtx | undefined): Promise<void> {
  if (!ctx) return;
  await ctx.close();
  await new Promise((r) => setTimeout(r, 250));
  await ctx.testDb.drop();
}
