import { afterAll, describe, expect, inject, it } from 'vitest';
import { createPool } from '../../db/pool.ts';
import { blankEventRow, type EventRow } from '../../ingest/event-row.ts';
import { newId } from '../../lib/ids.ts';
import { dimensionOf } from '../dimensions.ts';
import { groupedCounts } from '../grouped-metrics.ts';
import { recomputeDay, recomputeDayIn } from './recompute-day.ts';
import { refreshRollups } from './refresh-rollups.ts';
import { rollupValueSums } from './rollup-counts.ts';
import { goalsKey } from './goals-key.ts';
import { dayStart, splitAtRollups } from './rollup-split.ts';
import { createRollupSite, syntheticVisits, writeVisits } from './test-traffic.ts';

const db = createPool({ connectionString: inject('databaseUrl'), max: 4 });
afterAll(() => db.end());

const HOUR = 3_600_000;
/** A run of the job for one site; a day that fails fails the test. */
const refresh = (siteId: string, options: { now?: Date; budgetMs?: number; settleMs?: number } = {}) =>
  refreshRollups({
    db,
    siteId,
    now: () => options.now ?? new Date(),
    budgetMs: options.budgetMs,
    settleMs: options.settleMs ?? 0,
    log: {
      error: (object) => {
        throw (object as { err: Error }).err;
      },
    },
  });

function pageview(
  siteId: string,
  visitorId: string,
  at: Date,
  path: string,
  fields: Partial<EventRow> = {},
): EventRow {
  return blankEventRow({
    id: newId('evt'),
    site_id: siteId,
    type: 'pageview',
    received_at: new Date(),
    occurred_at: at,
    visitor_id: visitorId,
    path,
    ...fields,
  });
}

interface DayRange {
  siteId: string;
  timezone: string;
  fromDay: string;
  /** Included. */
  toDay: string;
}

interface Totals {
  visitors: number;
  sessions: number;
  pageviews: number;
  bounces: number;
  durationSeconds: number;
}

/**
 * The range's totals as the roll-up tables hold them (visitors summed over days: exact for one day);
 * undefined unless every row of the range was computed in `timezone`.
 */
async function rolledUpTotals(range: DayRange): Promise<Totals | undefined> {
  const { rows } = await db.query<Totals & { zones: string[] }>(
    `SELECT coalesce(sum(visitors), 0)::int AS visitors, coalesce(sum(sessions), 0)::int AS sessions,
       coalesce(sum(pageviews), 0)::int AS pageviews, coalesce(sum(bounces), 0)::int AS bounces,
       coalesce(sum(duration_s), 0)::int AS "durationSeconds", array_agg(DISTINCT timezone) AS zones
     FROM rollup_days WHERE site_id = $1 AND day BETWEEN $2 AND $3`,
    [range.siteId, range.fromDay, range.toDay],
  );
  const { zones, ...totals } = rows[0]!;
  return zones.every((zone) => zone === range.timezone) ? totals : undefined;
}

const windowOf = (range: DayRange) => {
  const end = new Date(`${range.toDay}T00:00:00Z`);
  end.setUTCDate(end.getUTCDate() + 1);
  return {
    siteId: range.siteId,
    from: dayStart(range.fromDay, range.timezone),
    to: dayStart(end.toISOString().slice(0, 10), range.timezone),
    filters: [],
    goals: [],
  };
};

/** The same totals counted on raw events. */
async function rawTotals(range: DayRange): Promise<Omit<Totals, 'visitors'>> {
  const { groups } = await groupedCounts(db, windowOf(range), { by: 'all' });
  const counts = groups[0]?.counts;
  return {
    sessions: counts?.sessions ?? 0,
    pageviews: counts?.pageviews ?? 0,
    bounces: counts?.bounces ?? 0,
    durationSeconds: Number(counts?.duration ?? 0),
  };
}

/** A dimension's values in the roll-up tables, and on raw events. */
async function rolledUpValues(range: DayRange, dimension: string): Promise<Array<string | null>> {
  return (await rollupValueSums(db, range, dimension)).map((group) => group.key).sort();
}
async function rawValues(range: DayRange, dimension: string): Promise<Array<string | null>> {
  const { groups } = await groupedCounts(db, windowOf(range), {
    by: 'dimension',
    dimension: dimensionOf(dimension)!,
  });
  return groups.map((group) => group.key).sort();
}

async function marks(siteId: string): Promise<Array<{ hour: Date; marked_at: Date }>> {
  const { rows } = await db.query<{ hour: Date; marked_at: Date }>(
    'SELECT hour, marked_at FROM rollup_dirty WHERE site_id = $1 ORDER BY hour',
    [siteId],
  );
  return rows;
}

async function markedHours(siteId: string): Promise<string[]> {
  return [...new Set((await marks(siteId)).map((mark) => mark.hour.toISOString()))];
}

describe('refreshRollups', () => {
  it('recomputes the days whose hours the writer marked, and leaves no mark behind', async () => {
    const siteId = await createRollupSite(db, 'Europe/Berlin');
    const visits = syntheticVisits({
      siteId,
      from: new Date('2025-03-29T10:00:00Z'),
      to: new Date('2025-03-31T20:00:00Z'),
      visits: 120,
      seed: 5,
    });
    await writeVisits(db, visits);
    const { rows: eventHours } = await db.query<{ hour: Date }>(
      `SELECT DISTINCT date_trunc('hour', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour
       FROM events WHERE site_id = $1 ORDER BY 1`,
      [siteId],
    );
    expect(await markedHours(siteId)).toEqual(eventHours.map((row) => row.hour.toISOString()));

    expect(await refresh(siteId)).toEqual({ days: 3, retired: 0, remaining: 0, failed: 0 });
    expect(await marks(siteId)).toEqual([]);
    const range = { siteId, timezone: 'Europe/Berlin', fromDay: '2025-03-29', toDay: '2025-03-31' };
    expect(await rolledUpTotals(range)).toMatchObject({
      ...(await rawTotals(range)),
      visitors: expect.any(Number),
    });
  });

  it('recounts the day a session started when a later event continues it past midnight', async () => {
    const siteId = await createRollupSite(db, 'UTC');
    // A midnight within the last day, so the writer still finds the session to continue.
    const midnight = new Date(Math.ceil((Date.now() - 23 * HOUR) / (24 * HOUR)) * 24 * HOUR);
    const dayBefore = new Date(midnight.getTime() - 24 * HOUR).toISOString().slice(0, 10);
    const started = new Date(midnight.getTime() - 10 * 60_000);
    await writeVisits(db, [[pageview(siteId, 'night-owl', started, '/late')]]);
    await refresh(siteId);
    const range = { siteId, timezone: 'UTC', fromDay: dayBefore, toDay: dayBefore };
    expect(await rolledUpTotals(range)).toMatchObject({ sessions: 1, bounces: 1, durationSeconds: 0 });

    await writeVisits(db, [
      [pageview(siteId, 'night-owl', new Date(midnight.getTime() + 5 * 60_000), '/after')],
    ]);
    // The event's hour, and the hour the continued session started in.
    expect(await markedHours(siteId)).toEqual([
      new Date(midnight.getTime() - HOUR).toISOString(),
      midnight.toISOString(),
    ]);
    await refresh(siteId);
    expect(await rolledUpTotals(range)).toMatchObject({
      sessions: 1,
      bounces: 0,
      durationSeconds: 900,
      pageviews: 1,
    });
    expect(await rolledUpValues(range, 'exit_page')).toEqual(['/after']);
    expect(await rawValues(range, 'exit_page')).toEqual(['/after']);
  });

  it('waits until a day has had no change for the settle time, then computes it once', async () => {
    const siteId = await createRollupSite(db, 'UTC');
    const at = new Date(Date.now() - HOUR);
    const settleMs = 5 * 60_000;
    await writeVisits(db, [[pageview(siteId, 'busy', at, '/')]]);
    expect(await refresh(siteId, { settleMs })).toMatchObject({ days: 0 });
    // The first change is long settled; a second one in the same day has just come.
    await db.query(`UPDATE rollup_dirty SET marked_at = now() - interval '10 minutes' WHERE site_id = $1`, [
      siteId,
    ]);
    await writeVisits(db, [[pageview(siteId, 'busy', new Date(at.getTime() + 60_000), '/next')]]);
    expect(await refresh(siteId, { settleMs })).toMatchObject({ days: 0 });
    expect(await refresh(siteId, { settleMs, now: new Date(Date.now() + settleMs + 1_000) })).toMatchObject({
      days: 1,
    });
    expect(await marks(siteId)).toEqual([]);
  });

  it('keeps the mark of an event committed while its day is being recomputed, for the next run', async () => {
    const siteId = await createRollupSite(db, 'UTC');
    const at = new Date('2025-05-05T12:30:00Z');
    await writeVisits(db, [[pageview(siteId, 'first', at, '/')]]);
    await refresh(siteId);

    const client = await db.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await client.query('SELECT 1'); // the snapshot is taken here
      await writeVisits(db, [[pageview(siteId, 'late', at, '/late')]]);
      await recomputeDayIn(client, { siteId, timezone: 'UTC', day: '2025-05-05' });
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
    const range = { siteId, timezone: 'UTC', fromDay: '2025-05-05', toDay: '2025-05-05' };
    expect(await markedHours(siteId)).toEqual(['2025-05-05T12:00:00.000Z']);
    expect(await rolledUpTotals(range)).toMatchObject({ visitors: 1, pageviews: 1 });
    await refresh(siteId);
    expect(await marks(siteId)).toEqual([]);
    expect(await rolledUpTotals(range)).toMatchObject({ visitors: 2, pageviews: 2 });
  });

  it('computes again in its new timezone every day a site computed in its old one', async () => {
    const siteId = await createRollupSite(db, 'UTC');
    await writeVisits(
      db,
      syntheticVisits({
        siteId,
        from: new Date('2025-02-10T00:00:00Z'),
        to: new Date('2025-02-12T00:00:00Z'),
        visits: 80,
        seed: 8,
      }),
    );
    await refresh(siteId);
    await db.query(`UPDATE sites SET timezone = 'Pacific/Auckland' WHERE id = $1`, [siteId]);
    const range = { siteId, timezone: 'Pacific/Auckland', fromDay: '2025-02-10', toDay: '2025-02-12' };
    // Until the job has run, the days are another timezone's: readers take the raw path.
    expect(await rolledUpTotals(range)).toBeUndefined();

    const result = await refresh(siteId);
    expect(result).toMatchObject({ retired: 2, failed: 0, remaining: 0 });
    expect(await rolledUpTotals(range)).toMatchObject({
      ...(await rawTotals(range)),
      visitors: expect.any(Number),
    });
    expect(await rolledUpTotals({ ...range, timezone: 'UTC' })).toBeUndefined();
    const { rows } = await db.query('SELECT DISTINCT timezone FROM rollup_days WHERE site_id = $1', [siteId]);
    expect(rows).toEqual([{ timezone: 'Pacific/Auckland' }]);
  });

  it('computes a day again once the enrichment that was pending when it was computed is filled in', async () => {
    const siteId = await createRollupSite(db, 'UTC');
    const at = new Date('2025-04-01T08:00:00Z');
    await writeVisits(db, [[pageview(siteId, 'v', at, '/', { enrichment_status: 'pending' })]]);
    await refresh(siteId);
    const range = { siteId, timezone: 'UTC', fromDay: '2025-04-01', toDay: '2025-04-01' };
    const countries = () => rolledUpValues(range, 'country');
    expect(await countries()).toEqual([null]);

    // What the enrichment backfill does: it writes the pending event and its session, and marks nothing.
    await db.query(`UPDATE events SET enrichment_status = 'done', country = 'NL' WHERE site_id = $1`, [
      siteId,
    ]);
    await db.query(`UPDATE sessions SET country = 'NL' WHERE site_id = $1`, [siteId]);
    expect(await refresh(siteId)).toMatchObject({ days: 0 });
    expect(await refresh(siteId, { now: new Date(Date.now() + 6 * 60_000) })).toMatchObject({ days: 1 });
    expect(await countries()).toEqual(['NL']);
    expect(await refresh(siteId, { now: new Date(Date.now() + 60 * 60_000) })).toMatchObject({ days: 0 });
  });

  it('stops starting days when its time is up; the next run takes the rest', async () => {
    const siteId = await createRollupSite(db, 'UTC');
    await writeVisits(db, [
      [pageview(siteId, 'a', new Date('2025-01-01T10:00:00Z'), '/')],
      [pageview(siteId, 'b', new Date('2025-01-02T10:00:00Z'), '/')],
    ]);
    expect(await refresh(siteId, { budgetMs: -1 })).toEqual({ days: 0, retired: 0, remaining: 2, failed: 0 });
    expect(await refresh(siteId)).toEqual({ days: 2, retired: 0, remaining: 0, failed: 0 });
  });
});

describe('recomputeDay', () => {
  it('leaves the part of a dirty hour that reaches into the next local day for that day', async () => {
    // India is 5:30 ahead of UTC: the UTC hour 18:00-19:00 is 23:30-00:30 there.
    const siteId = await createRollupSite(db, 'Asia/Kolkata');
    await writeVisits(db, [
      [
        pageview(siteId, 'a', new Date('2025-07-01T18:10:00Z'), '/before-midnight'),
        pageview(siteId, 'b', new Date('2025-07-01T18:40:00Z'), '/after-midnight'),
      ],
    ]);
    const [mark] = await marks(siteId);
    expect(mark!.hour.toISOString()).toBe('2025-07-01T18:00:00.000Z');

    expect(await recomputeDay({ db, siteId, timezone: 'Asia/Kolkata', day: '2025-07-01' })).toMatchObject({
      events: 1,
      marks: 1,
    });
    expect(await marks(siteId)).toEqual([
      { hour: new Date('2025-07-01T18:30:00Z'), marked_at: mark!.marked_at },
    ]);
    expect(await refresh(siteId)).toMatchObject({ days: 1 });
    expect(await marks(siteId)).toEqual([]);
    for (const day of ['2025-07-01', '2025-07-02']) {
      const range = { siteId, timezone: 'Asia/Kolkata', fromDay: day, toDay: day };
      expect(await rolledUpTotals(range)).toMatchObject({ pageviews: 1, visitors: 1 });
    }
  });
});

describe('splitAtRollups', () => {
  const split = (siteId: string, timezone: string, from: string, to: string, goals = goalsKey([])) =>
    splitAtRollups(db, { siteId, timezone, from: new Date(from), to: new Date(to), goalsKey: goals });

  it('rolls up the days before the first one with a change the job has not taken in, and counts the rest raw', async () => {
    const siteId = await createRollupSite(db, 'UTC');
    for (const day of ['2025-08-07', '2025-08-08', '2025-08-09']) {
      await writeVisits(db, [[pageview(siteId, `v-${day}`, new Date(`${day}T08:00:00Z`), '/')]]);
    }
    await refresh(siteId);
    expect(await split(siteId, 'UTC', '2025-08-07T00:00Z', '2025-08-10T00:00Z')).toEqual({
      rollupDays: { fromDay: '2025-08-07', toDay: '2025-08-09' },
    });

    await writeVisits(db, [[pageview(siteId, 'late', new Date('2025-08-08T08:00:00Z'), '/')]]);
    expect(await split(siteId, 'UTC', '2025-08-07T00:00Z', '2025-08-10T00:00Z')).toEqual({
      rollupDays: { fromDay: '2025-08-07', toDay: '2025-08-07' },
      raw: { from: new Date('2025-08-08T00:00Z'), to: new Date('2025-08-10T00:00Z') },
    });
    expect(await split(siteId, 'UTC', '2025-08-08T00:00Z', '2025-08-10T00:00Z')).toEqual({
      raw: { from: new Date('2025-08-08T00:00Z'), to: new Date('2025-08-10T00:00Z') },
    });
    // A day before it is not held up.
    expect(await split(siteId, 'UTC', '2025-08-06T00:00Z', '2025-08-08T00:00Z')).toEqual({
      rollupDays: { fromDay: '2025-08-06', toDay: '2025-08-07' },
    });
    await refresh(siteId);
    expect(await split(siteId, 'UTC', '2025-08-07T00:00Z', '2025-08-10T00:00Z')).toEqual({
      rollupDays: { fromDay: '2025-08-07', toDay: '2025-08-09' },
    });
  });

  it('counts raw a window that does not run from local midnight to local midnight', async () => {
    const siteId = await createRollupSite(db, 'Europe/Berlin');
    expect(await split(siteId, 'Europe/Berlin', '2025-08-06T22:00Z', '2025-08-08T22:00Z')).toEqual({
      rollupDays: { fromDay: '2025-08-07', toDay: '2025-08-08' },
    });
    for (const [from, to] of [
      ['2025-08-07T00:00Z', '2025-08-08T22:00Z'],
      ['2025-08-06T22:00Z', '2025-08-08T21:00Z'],
    ]) {
      expect(await split(siteId, 'Europe/Berlin', from!, to!)).toEqual({
        raw: { from: new Date(from!), to: new Date(to!) },
      });
    }
  });

  it('counts raw the days computed with other goals, and everything near days of another time zone', async () => {
    const siteId = await createRollupSite(db, 'UTC');
    await writeVisits(db, [[pageview(siteId, 'v', new Date('2025-09-02T08:00:00Z'), '/')]]);
    await refresh(siteId);
    const otherGoals = goalsKey([
      { id: 'goal_x', name: 'Signup', eventName: 'signup', pagePattern: null, revenueProperty: null },
    ]);
    expect(await split(siteId, 'UTC', '2025-09-01T00:00Z', '2025-09-04T00:00Z', otherGoals)).toEqual({
      rollupDays: { fromDay: '2025-09-01', toDay: '2025-09-01' },
      raw: { from: new Date('2025-09-02T00:00Z'), to: new Date('2025-09-04T00:00Z') },
    });
    expect(await split(siteId, 'Asia/Tokyo', '2025-08-31T15:00Z', '2025-09-01T15:00Z')).toEqual({
      raw: { from: new Date('2025-08-31T15:00Z'), to: new Date('2025-09-01T15:00Z') },
    });
  });

  it('counts raw the hours never computed (the migration marks every hour stored before it)', async () => {
    const siteId = await createRollupSite(db, 'UTC');
    await db.query(
      `INSERT INTO rollup_dirty (site_id, hour, marked_at) VALUES ($1, '2025-09-09T09:00Z', '-infinity')`,
      [siteId],
    );
    expect(await split(siteId, 'UTC', '2025-09-09T00:00Z', '2025-09-10T00:00Z')).toEqual({
      raw: { from: new Date('2025-09-09T00:00Z'), to: new Date('2025-09-10T00:00Z') },
    });
    await refresh(siteId);
    expect(await split(siteId, 'UTC', '2025-09-09T00:00Z', '2025-09-10T00:00Z')).toEqual({
      rollupDays: { fromDay: '2025-09-09', toDay: '2025-09-09' },
    });
  });
});
