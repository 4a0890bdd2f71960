import { afterAll, describe, expect, inject, it } from 'vitest';
import { parseFilters } from '../../analytics/filters.ts';
import { overviewMetrics } from '../../analytics/overview.ts';
import { recomputeDay } from '../../analytics/rollups/recompute-day.ts';
import { refreshRollups } from '../../analytics/rollups/refresh-rollups.ts';
import { createPool } from '../../db/pool.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../lib/ids.ts';
import { enforceRetention } from './enforce-retention.ts';

const db = createPool({ connectionString: inject('databaseUrl'), max: 4 });
afterAll(() => db.end());

// The clock stands in 1980, in partitions of its own, so no other suite's rows are past any
// retention here, and nothing here is within what they read.
const NOW = new Date('1980-06-01T12:00:00Z');
const DAY = 24 * 60 * 60 * 1000;
const at = (iso: string) => new Date(iso);

async function createSite(options: { retentionDays?: number; deletedAt?: Date } = {}): Promise<string> {
  const agencyId = newId('agency');
  const siteId = newId('site');
  await db.query('INSERT INTO agencies (id, name) VALUES ($1, $2)', [agencyId, 'Retention test']);
  await db.query(
    `INSERT INTO sites (id, agency_id, name, domain, site_key, write_key_prefix, write_key_hash, deleted_at)
     VALUES ($1, $2, 'Shop', 'shop.example', $1, 'wk_', $1, $3)`,
    [siteId, agencyId, options.deletedAt ?? null],
  );
  if (options.retentionDays !== undefined) {
    await db.query('UPDATE sites SET retention_days = $2 WHERE id = $1', [siteId, options.retentionDays]);
  }
  return siteId;
}

/**
 * Page views received (and happened) at the given instants, each visitor's own session. Their
 * partitions are made first: a retention run of an earlier test may have dropped them.
 */
async function insertEvents(siteId: string, instants: string[]): Promise<void> {
  await db.query('SELECT ensure_event_partitions(t::date, 1) FROM unnest($1::timestamptz[]) AS t', [
    instants,
  ]);
  await db.query(
    `INSERT INTO events (id, site_id, type, received_at, occurred_at, visitor_id, session_id, path)
     SELECT $1 || '-' || n, $1, 'pageview', t, t, 'v-' || n, 's-' || n, '/p'
     FROM unnest($2::timestamptz[]) WITH ORDINALITY AS i(t, n)`,
    [siteId, instants],
  );
}

async function eventDays(siteId: string): Promise<string[]> {
  const { rows } = await db.query<{ day: string }>(
    `SELECT to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day FROM events WHERE site_id = $1 ORDER BY 1`,
    [siteId],
  );
  return rows.map((row) => row.day);
}

async function partitionExists(day: string): Promise<boolean> {
  const { rows } = await db.query('SELECT to_regclass($1) IS NOT NULL AS present', [
    `events_${day.replaceAll('-', '')}`,
  ]);
  return rows[0].present as boolean;
}

async function ids(sql: string, siteId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(sql, [siteId]);
  return rows.map((row) => String(row.id)).sort();
}

describe('enforceRetention', () => {
  it('drops whole partitions, deletes rows past each site’s retention, keeps rows within it and the roll-ups', async () => {
    // Site A keeps 30 days (cutoff 1980-05-02), site B 365 days (cutoff 1979-06-02).
    const siteA = await createSite({ retentionDays: 30 });
    const siteB = await createSite({ retentionDays: 365 });
    await insertEvents(siteA, [
      '1980-01-10T08:00:00Z', // a partition of site A alone: dropped
      '1980-01-11T09:00:00Z', // shared with B: A's row deleted
      '1980-05-25T10:00:00Z', // within A's retention: kept
    ]);
    await insertEvents(siteB, ['1980-01-11T10:00:00Z', '1980-01-11T11:00:00Z']);

    await db.query(
      `INSERT INTO sessions (id, site_id, visitor_id, started_at, last_seen_at) VALUES
         ('ses-old', $1, 'v1', '1980-01-10T08:00:00Z', '1980-01-10T08:20:00Z'),
         ('ses-spanning', $1, 'v2', '1980-05-01T23:50:00Z', '1980-05-02T00:10:00Z'),
         ('ses-recent', $1, 'v3', '1980-05-25T10:00:00Z', '1980-05-25T10:05:00Z'),
         ('ses-b', $2, 'v4', '1980-01-11T10:00:00Z', '1980-01-11T10:30:00Z')`,
      [siteA, siteB],
    );
    const [gone, active] = [newId('cmp'), newId('cmp')];
    await db.query(
      `INSERT INTO companies (id, site_id, domain, first_seen_at, last_seen_at) VALUES
         ($2, $1, 'gone.example', '1980-01-10T08:00:00Z', '1980-01-10T08:00:00Z'),
         ($3, $1, 'active.example', '1980-01-10T08:00:00Z', '1980-05-25T10:00:00Z')`,
      [siteA, gone, active],
    );
    await db.query(
      `INSERT INTO company_status_changes (site_id, company_id, to_status, score, changed_at) VALUES
         ($1, $2, 'cold', 10, '1980-01-10T08:00:00Z'),
         ($1, $3, 'cold', 10, '1980-01-10T08:00:00Z'),
         ($1, $3, 'warm', 45, '1980-05-25T10:00:00Z')`,
      [siteA, gone, active],
    );
    const destination = newId('dst');
    await db.query(`INSERT INTO destinations (id, site_id, type, name) VALUES ($1, $2, 'webhook', 'Hook')`, [
      destination,
      siteA,
    ]);
    await db.query(
      `INSERT INTO deliveries (site_id, destination_id, destination_type, status, created_at, next_attempt_at) VALUES
         ($1, $2, 'webhook', 'failed', '1980-01-10T08:00:00Z', '1980-01-10T08:00:00Z'),
         ($1, $2, 'webhook', 'done', '1980-01-11T08:00:00Z', '1980-01-11T08:00:00Z'),
         ($1, NULL, 'webhook', 'cancelled', '1980-01-11T08:00:00Z', '1980-01-11T08:00:00Z'),
         ($1, $2, 'webhook', 'pending', '1980-05-25T10:00:00Z', '2100-01-01T00:00:00Z')`,
      [siteA, destination],
    );
    for (const day of ['1980-01-10', '1980-01-11']) {
      await recomputeDay({ db, siteId: siteA, timezone: 'UTC', day });
    }
    const rollupsBefore = await db.query(
      'SELECT day::text, visitors, pageviews FROM rollup_days WHERE site_id = $1 ORDER BY day',
      [siteA],
    );
    expect(rollupsBefore.rows).toEqual([
      { day: '1980-01-10', visitors: 1, pageviews: 1 },
      { day: '1980-01-11', visitors: 1, pageviews: 1 },
    ]);

    // Small batches, so the batched loops go round more than once.
    const result = await enforceRetention({ db, now: () => NOW, batchSize: 1 });

    expect(result.partitionsDropped, JSON.stringify(result)).toBeGreaterThanOrEqual(1);
    expect(await partitionExists('1980-01-10')).toBe(false);
    expect(await partitionExists('1980-01-11')).toBe(true);
    expect(await partitionExists('1980-05-25')).toBe(true);
    expect(await eventDays(siteA)).toEqual(['1980-05-25']);
    expect(await eventDays(siteB)).toEqual(['1980-01-11', '1980-01-11']);

    expect(await ids('SELECT id FROM sessions WHERE site_id = $1', siteA)).toEqual([
      'ses-recent',
      'ses-spanning',
    ]);
    expect(await ids('SELECT id FROM sessions WHERE site_id = $1', siteB)).toEqual(['ses-b']);
    expect(await ids('SELECT id FROM companies WHERE site_id = $1', siteA)).toEqual([active]);
    const changes = await db.query('SELECT to_status FROM company_status_changes WHERE site_id = $1', [
      siteA,
    ]);
    expect(changes.rows).toEqual([{ to_status: 'warm' }]);
    const deliveries = await db.query('SELECT status FROM deliveries WHERE site_id = $1', [siteA]);
    expect(deliveries.rows).toEqual([{ status: 'pending' }]);

    const kept = await db.query<{ id: string; events_kept_from: Date }>(
      'SELECT id, events_kept_from FROM sites WHERE id = ANY($1)',
      [[siteA, siteB]],
    );
    expect(Object.fromEntries(kept.rows.map((row) => [row.id, row.events_kept_from.toISOString()]))).toEqual({
      [siteA]: '1980-05-02T00:00:00.000Z',
      [siteB]: '1979-06-02T00:00:00.000Z',
    });
    const rollupsAfter = await db.query(
      'SELECT day::text, visitors, pageviews FROM rollup_days WHERE site_id = $1 ORDER BY day',
      [siteA],
    );
    expect(rollupsAfter.rows).toEqual(rollupsBefore.rows);
  });

  it('answers reports over a period without raw events from roll-ups, and refuses those that need raw events', async () => {
    const siteId = await createSite({ retentionDays: 30 });
    await insertEvents(siteId, ['1980-01-12T08:00:00Z', '1980-01-12T09:00:00Z', '1980-05-26T08:00:00Z']);
    await recomputeDay({ db, siteId, timezone: 'UTC', day: '1980-01-12' });
    await enforceRetention({ db, now: () => NOW });
    expect(await eventDays(siteId)).toEqual(['1980-05-26']);

    const { rows } = await db.query<{ events_kept_from: Date }>(
      'SELECT events_kept_from FROM sites WHERE id = $1',
      [siteId],
    );
    const scope = {
      siteId,
      from: at('1980-01-12T00:00:00Z'),
      to: at('1980-01-13T00:00:00Z'),
      timezone: 'UTC',
      filters: [],
      goals: [],
      rawEventsFrom: rows[0]!.events_kept_from,
    };
    expect(await overviewMetrics(db, scope)).toMatchObject({ visitors: 2, pageviews: 2 });

    // Filters need raw events, which are gone: refused, naming `from`, not answered with zeros.
    const filtered = { ...scope, filters: parseFilters('[["is","page",["/p"]]]') };
    await expect(overviewMetrics(db, filtered)).rejects.toThrow(AppError);
    await expect(overviewMetrics(db, filtered)).rejects.toMatchObject({
      code: 'validation_failed',
      field: 'from',
    });
    // A window that is not whole days is counted on raw events alone: refused too.
    await expect(overviewMetrics(db, { ...scope, from: at('1980-01-12T06:00:00Z') })).rejects.toMatchObject({
      field: 'from',
    });
    // Within the kept events, filtered reports still answer.
    expect(
      await overviewMetrics(db, {
        ...filtered,
        from: at('1980-05-26T00:00:00Z'),
        to: at('1980-05-27T00:00:00Z'),
      }),
    ).toMatchObject({ visitors: 1, pageviews: 1 });

    // The roll-up job never recomputes the day (it would count the nothing that is left).
    await db.query(
      `INSERT INTO rollup_dirty (site_id, hour, marked_at) VALUES ($1, '1980-01-12T08:00:00Z', '-infinity')`,
      [siteId],
    );
    await refreshRollups({ db, siteId, now: () => NOW, settleMs: 0 });
    const rollups = await db.query(
      'SELECT visitors, pageviews FROM rollup_days WHERE site_id = $1 AND day = $2',
      [siteId, '1980-01-12'],
    );
    expect(rollups.rows).toEqual([{ visitors: 2, pageviews: 2 }]);
  });

  it('purges a soft-deleted site 30 days after its deletion, and keeps it before', async () => {
    const purged = await createSite({ retentionDays: 365, deletedAt: new Date(NOW.getTime() - 30 * DAY) });
    const graced = await createSite({ retentionDays: 365, deletedAt: new Date(NOW.getTime() - 29 * DAY) });
    for (const siteId of [purged, graced]) {
      await insertEvents(siteId, ['1980-01-11T12:00:00Z', '1980-05-25T12:00:00Z']);
      await db.query(
        `INSERT INTO sessions (id, site_id, visitor_id, started_at, last_seen_at)
         VALUES ('ses-1', $1, 'v1', '1980-05-25T12:00:00Z', '1980-05-25T12:00:00Z')`,
        [siteId],
      );
      await db.query(
        `INSERT INTO companies (id, site_id, domain, first_seen_at, last_seen_at)
         VALUES ($2, $1, 'acme.example', '1980-05-25T12:00:00Z', '1980-05-25T12:00:00Z')`,
        [siteId, newId('cmp')],
      );
      await db.query(
        `INSERT INTO destinations (id, site_id, type, name) VALUES ($2, $1, 'webhook', 'Hook')`,
        [siteId, newId('dst')],
      );
      await db.query(
        `INSERT INTO deliveries (site_id, destination_id, destination_type, created_at)
         SELECT $1, id, 'webhook', '1980-05-25T12:00:00Z' FROM destinations WHERE site_id = $1`,
        [siteId],
      );
      await db.query(
        `INSERT INTO goals (id, site_id, name, event_name) VALUES ($2, $1, 'Signup', 'signup')`,
        [siteId, newId('goal')],
      );
      await recomputeDay({ db, siteId, timezone: 'UTC', day: '1980-05-25' });
    }

    const result = await enforceRetention({ db, now: () => NOW, batchSize: 1 });
    expect(result.sitesPurged, JSON.stringify(result)).toBeGreaterThanOrEqual(1);

    const holding = async (siteId: string) => {
      const counts: Record<string, number> = {};
      for (const table of [
        'sites',
        'events',
        'sessions',
        'companies',
        'destinations',
        'deliveries',
        'goals',
        'rollup_days',
        'rollup_hours',
        'rollup_values',
      ]) {
        const column = table === 'sites' ? 'id' : 'site_id';
        const { rows } = await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${column} = $1`, [
          siteId,
        ]);
        counts[table] = rows[0].n as number;
      }
      return counts;
    };
    expect(await holding(purged)).toEqual({
      sites: 0,
      events: 0,
      sessions: 0,
      companies: 0,
      destinations: 0,
      deliveries: 0,
      goals: 0,
      rollup_days: 0,
      rollup_hours: 0,
      rollup_values: 0,
    });
    // Still within its grace period: kept, its retention applying as to any site's.
    expect(await holding(graced)).toMatchObject({
      sites: 1,
      events: 2,
      sessions: 1,
      companies: 1,
      destinations: 1,
      deliveries: 1,
      goals: 1,
      rollup_days: 1,
    });
  });
});
