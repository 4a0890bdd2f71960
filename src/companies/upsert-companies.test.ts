import { describe, expect, it } from 'vitest';
import { createTenant, useTestApp } from '../../test/helpers.ts';
import type { PoolClient } from '../db/pool.ts';
import type { CompanyCredit } from './company-credits.ts';
import { upsertCompanies } from './upsert-companies.ts';

const context = useTestApp();

async function createSite(): Promise<string> {
  const tenant = await createTenant(context);
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/sites',
    headers: tenant.auth,
    payload: { name: 'Shop', domain: 'shop.example' },
  });
  return response.json<{ id: string }>().id;
}

function credit(siteId: string, domain: string): CompanyCredit {
  const at = new Date();
  return {
    site_id: siteId,
    domain,
    name: null,
    country: null,
    city: null,
    first_seen_at: at,
    last_seen_at: at,
    sessions: 1,
    pageviews: 2,
    seconds: 30,
  };
}

describe('upsertCompanies', () => {
  it('locks company rows in key order whatever order the credits come in', async () => {
    const siteId = await createSite();
    await upsertCompanies(context.db, [credit(siteId, 'a.example'), credit(siteId, 'b.example')]);
    const holder = await context.db.connect();
    const upserter = await context.db.connect();
    const probe = await context.db.connect();
    const lockCompany = (client: PoolClient, domain: string) =>
      client.query('UPDATE companies SET visits = visits WHERE site_id = $1 AND domain = $2', [
        siteId,
        domain,
      ]);
    try {
      const { rows } = await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await holder.query('BEGIN');
      await lockCompany(holder, 'b.example');
      await upserter.query('BEGIN');
      const upserting = upsertCompanies(upserter, [credit(siteId, 'b.example'), credit(siteId, 'a.example')]);
      for (let attempt = 0; ; attempt++) {
        const { rows: blocked } = await context.db.query(
          'SELECT 1 FROM pg_stat_activity WHERE $1::int = ANY (pg_blocking_pids(pid))',
          [rows[0]!.pid],
        );
        if (blocked.length > 0) break;
        if (attempt === 500) throw new Error('the upsert never waited for b.example');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // Waiting for b.example, the upsert already holds a.example: it went in key order.
      await probe.query(`SET lock_timeout = '200ms'`);
      const probed = await lockCompany(probe, 'a.example').then(
        () => 'not held',
        (error: { code?: string }) => error.code,
      );
      expect(probed).toBe('55P03');
      await holder.query('ROLLBACK');
      await upserting;
      await upserter.query('COMMIT');
      const { rows: companies } = await context.db.query(
        'SELECT domain, visits, pageviews, time_on_site_s FROM companies WHERE site_id = $1 ORDER BY domain',
        [siteId],
      );
      expect(companies).toEqual([
        { domain: 'a.example', visits: 2, pageviews: 4, time_on_site_s: 60 },
        { domain: 'b.example', visits: 2, pageviews: 4, time_on_site_s: 60 },
      ]);
    } finally {
      await holder.query('ROLLBACK');
      await upserter.query('ROLLBACK');
      for (const client of [holder, upserter, probe]) client.release();
    }
  });
});
