import { describe, expect, it } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import { PGlitePool } from '../../../src/db/pglite-pool.ts';

describe('PGlitePool (pg-Pool shape over one PGlite)', () => {
  it('reports the command and affected rows as pg does, also after comments and CTEs', async () => {
    const pool = new PGlitePool(await PGlite.create());
    const c = await pool.connect();
    try {
      await c.query('create table t (a int)', []);
      const seen: Array<[string, number | undefined]> = [];
      for (const q of [
        '-- note\ninsert into t values ($1)',
        'with x as (select 1 as a) insert into t (a) select a + $1 from x',
        '/* c */ update t set a = a + $1',
        'with y as (select (1) as b) select * from t where a > $1',
      ]) {
        const r = await c.query(q, [1]);
        seen.push([r.command, r.rowCount]);
      }
      expect(seen).toEqual([['INSERT', 1], ['INSERT', 1], ['UPDATE', 2], ['SELECT', 2]]);
    } finally {
      c.release();
    }
    await expect(c.query('select 1', [])).rejects.toThrow(/released client/);
    await pool.end();
  });

  it('gives out one lease at a time, in order, so a transaction\'s statements stay together', async () => {
    const pool = new PGlitePool(await PGlite.create());
    const order: string[] = [];
    const a = await pool.connect();
    const bPromise = pool.connect().then((b) => {
      order.push('b leased');
      return b;
    });
    await a.query('begin', []);
    order.push('a in transaction');
    await a.query('commit', []);
    a.release();
    const b = await bPromise;
    b.release();
    expect(order).toEqual(['a in transaction', 'b leased']);
    await pool.end();
  });
});
