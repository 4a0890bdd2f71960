import { afterAll, describe, expect, inject, it } from 'vitest';
import { AppError } from '../errors.ts';
import { WRITER_SETTINGS } from '../db/open.ts';
import { createPool, type PoolClient } from '../db/pool.ts';
import { newId } from '../lib/ids.ts';
import { blankEventRow, type EventRow } from './event-row.ts';
import { createEventWriter, FIND_KNOWN_IDS_AND_SESSIONS, type WriteOutcome } from './event-writer.ts';

const db = createPool({ connectionString: inject('databaseUrl'), max: 6 });
afterAll(() => db.end());

function row(siteId: string, overrides: Partial<EventRow> = {}): EventRow {
  return blankEventRow({
    id: newId('evt'),
    site_id: siteId,
    type: 'pageview',
    received_at: new Date(),
    path: '/',
    props: { plan: 'pro', quote: `it's "quoted" \\ {braced}` },
    value: 12.5,
    currency: 'EUR',
    ...overrides,
  });
}

async function waitUntil(condition: () => Promise<boolean>) {
  for (let attempt = 0; attempt < 500; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('condition not met within 10 s');
}

/**
 * Another transaction holds `second`; the writer then writes a request that needs both keys. A
 * writer that takes keys in order holds `first` while it waits, so when the other transaction asks
 * for `first` too, the two deadlock, and PostgreSQL fails the writer's transaction: its
 * deadlock_timeout (1 s) runs out first. Resolves with the request's outcome once the other
 * transaction has rolled back.
 */
async function deadlockAgainstWriter(
  lock: (other: PoolClient, key: string) => Promise<unknown>,
  keys: { first: string; second: string },
  write: () => Promise<WriteOutcome[]>,
): Promise<WriteOutcome[]> {
  const other = await db.connect();
  try {
    await other.query(`SET deadlock_timeout = '60s'`);
    const { rows } = await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await other.query('BEGIN');
    await lock(other, keys.second);
    const written = write();
    await waitUntil(async () => {
      const { rows: blocked } = await db.query(
        'SELECT 1 FROM pg_stat_activity WHERE $1::int = ANY (pg_blocking_pids(pid))',
        [rows[0]!.pid],
      );
      return blocked.length > 0;
    });
    await lock(other, keys.first);
    await other.query('ROLLBACK');
    return await written;
  } finally {
    await other.query('ROLLBACK');
    other.release();
  }
}

async function count(siteId: string): Promise<number> {
  const { rows } = await db.query('SELECT count(*)::int AS n FROM events WHERE site_id = $1', [siteId]);
  return rows[0].n;
}

describe('event writer (group commit)', () => {
  it('commits many concurrent requests in few transactions and resolves each after commit', async () => {
    const writer = createEventWriter({ db });
    const siteId = newId('site');
    const requests = Array.from({ length: 200 }, (_, index) =>
      writer.write([row(siteId, { path: `/p${index}` })]),
    );
    const outcomes = (await Promise.all(requests)).flat();
    expect(outcomes.every((outcome) => outcome.status === 'accepted')).toBe(true);
    expect(await count(siteId)).toBe(200);
    const stats = writer.stats();
    expect(stats.rowsWritten).toBe(200);
    expect(stats.batches).toBeLessThan(200);
    await writer.close();
  });

  it('stores JSON and numeric values exactly', async () => {
    const writer = createEventWriter({ db });
    const siteId = newId('site');
    const [outcome] = await writer.write([row(siteId)]);
    const { rows } = await db.query('SELECT props, value, currency FROM events WHERE id = $1', [
      (outcome as { id: string }).id,
    ]);
    expect(rows[0]).toEqual({
      props: { plan: 'pro', quote: `it's "quoted" \\ {braced}` },
      value: 12.5,
      currency: 'EUR',
    });
    await writer.close();
  });

  it('stores text with tabs, newlines, backslashes and non-Latin characters exactly', async () => {
    const writer = createEventWriter({ db });
    const siteId = newId('site');
    const title = 'Tab\there, line\nbreak, return\r, back\\slash, \\N, \\., ünïcödé 日本 🚀';
    const props = { 'key\twith tab': 'value\nwith newline \\ and "quotes"', nested: { emoji: '🚀' } };
    const [outcome] = await writer.write([row(siteId, { title, props })]);
    const { rows } = await db.query('SELECT title, props FROM events WHERE id = $1', [
      (outcome as { id: string }).id,
    ]);
    expect(rows[0]).toEqual({ title, props });
    await writer.close();
  });

  it('answers 503 with Retry-After when the database cannot be reached, and stores nothing half', async () => {
    const unreachable = createPool({ connectionString: 'postgres://nobody:x@127.0.0.1:1/none', max: 1 });
    const writer = createEventWriter({ db: unreachable });
    const error = await writer.write([row(newId('site'))]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'service_unavailable', retryAfterSeconds: 5 });
    await writer.close();
    await unreachable.end();
  });

  it('refuses writes beyond its buffer with 503 instead of growing without bound', async () => {
    const writer = createEventWriter({ db, maxBufferedRows: 10 });
    const siteId = newId('site');
    const accepted = writer.write(Array.from({ length: 8 }, () => row(siteId)));
    const refused = await writer
      .write(Array.from({ length: 5 }, () => row(siteId)))
      .catch((caught: unknown) => caught);
    expect(refused).toMatchObject({ code: 'service_unavailable', retryAfterSeconds: 1 });
    expect(await accepted).toHaveLength(8);
    expect(writer.stats().rejectedFull).toBe(1);
    await writer.close();
  });

  it('fails only the request with bad data, not the others in its batch', async () => {
    const writer = createEventWriter({ db, lanes: 1 });
    const siteId = newId('site');
    const good = writer.write([row(siteId)]);
    const bad = writer.write([row(siteId, { currency: 'x'.repeat(10), value: 1e20 })]);
    const [goodResult, badResult] = await Promise.allSettled([good, bad]);
    expect(goodResult.status).toBe('fulfilled');
    expect(badResult).toMatchObject({ status: 'rejected', reason: { code: 'bad_request' } });
    expect(await count(siteId)).toBe(1);
    await writer.close();
  });

  it('refuses a NUL character, which PostgreSQL text cannot hold, as bad data of that request alone', async () => {
    const writer = createEventWriter({ db, lanes: 1 });
    const siteId = newId('site');
    const good = writer.write([row(siteId)]);
    const bad = writer.write([row(siteId, { title: 'a\u0000b' })]);
    const [goodResult, badResult] = await Promise.allSettled([good, bad]);
    expect(goodResult.status).toBe('fulfilled');
    expect(badResult).toMatchObject({ status: 'rejected', reason: { code: 'bad_request' } });
    expect(await count(siteId)).toBe(1);
    await writer.close();
  });

  it('stores one event for an eventId that two instances write at the same moment', async () => {
    const instances = [createEventWriter({ db }), createEventWriter({ db })];
    const siteId = newId('site');
    for (let attempt = 0; attempt < 20; attempt++) {
      const eventId = `race-${attempt}`;
      // Different visitor ids (consent changed between retries), so nothing orders the two writes.
      const outcomes = (
        await Promise.all(
          instances.map((writer, index) =>
            writer.write([row(siteId, { event_id: eventId, visitor_id: `visitor-${attempt}-${index}` })]),
          ),
        )
      ).flat();
      const accepted = outcomes.filter((outcome) => outcome.status === 'accepted');
      expect(accepted).toHaveLength(1);
      expect(outcomes.find((outcome) => outcome.status === 'duplicate')).toEqual({
        status: 'duplicate',
        id: accepted[0]!.id,
      });
    }
    expect(await count(siteId)).toBe(20);
    await Promise.all(instances.map((writer) => writer.close()));
  });

  it('never deadlocks when two instances write the same eventIds in opposite orders, and stores each once', async () => {
    const instances = [createEventWriter({ db }), createEventWriter({ db })];
    const siteId = newId('site');
    const gate = await db.connect();
    try {
      const { rows } = await gate.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      for (let round = 0; round < 10; round++) {
        const eventIds = Array.from({ length: 100 }, (_, index) => `round-${round}-${index}`);
        // Each instance first waits for an eventId of its own that another transaction holds; its
        // rollback lets both go at once, so their transactions overlap. Opposite orders and different
        // visitors (consent changed between retries), so nothing else orders the two.
        const gates = [`0-gate-${round}-0`, `0-gate-${round}-1`];
        await gate.query('BEGIN');
        await gate.query(
          `INSERT INTO event_ids (site_id, event_id, received_at, row_id)
           SELECT $1, unnest($2::text[]), now(), 'evt_gate'`,
          [siteId, gates],
        );
        const written = Promise.all(
          instances.map((writer, instance) =>
            writer.write(
              [gates[instance]!, ...(instance === 0 ? eventIds : [...eventIds].reverse())].map((eventId) =>
                row(siteId, { event_id: eventId, visitor_id: `${eventId}-${instance}` }),
              ),
            ),
          ),
        );
        await waitUntil(async () => {
          const { rows: blocked } = await db.query(
            'SELECT 1 FROM pg_stat_activity WHERE $1::int = ANY (pg_blocking_pids(pid))',
            [rows[0]!.pid],
          );
          return blocked.length === 2;
        });
        await gate.query('ROLLBACK');
        const accepted = (await written).flat().filter((outcome) => outcome.status === 'accepted');
        expect(accepted).toHaveLength(102);
      }
    } finally {
      gate.release();
    }
    expect(await count(siteId)).toBe(1020);
    // Locked in the same order, the two never wait for each other: no deadlock to retry.
    expect(instances.map((writer) => writer.stats().lockRetries)).toEqual([0, 0]);
    await Promise.all(instances.map((writer) => writer.close()));
  });

  it("takes a request's eventIds in key order, and retries once when another transaction deadlocks with it", async () => {
    const writer = createEventWriter({ db, lanes: 1 });
    const siteId = newId('site');
    const outcome = await deadlockAgainstWriter(
      (other, eventId) =>
        other.query(
          `INSERT INTO event_ids (site_id, event_id, received_at, row_id) VALUES ($1, $2, now(), 'evt_other')`,
          [siteId, eventId],
        ),
      { first: 'a', second: 'b' },
      () => writer.write([row(siteId, { event_id: 'b' }), row(siteId, { event_id: 'a' })]),
    );
    expect(outcome.map(({ status }) => status)).toEqual(['accepted', 'accepted']);
    expect(writer.stats().lockRetries).toBe(1);
    expect(await count(siteId)).toBe(2);
    await writer.close();
  });

  it('continues sessions in key order, and retries once when another transaction deadlocks with it', async () => {
    const writer = createEventWriter({ db, lanes: 1 });
    const siteId = newId('site');
    const start = Date.now() - 60_000;
    await writer.write([row(siteId, { visitor_id: 'v1' }), row(siteId, { visitor_id: 'v2' })]);
    const { rows: sessions } = await db.query<{ id: string; visitor_id: string }>(
      'SELECT id, visitor_id FROM sessions WHERE site_id = $1 ORDER BY id',
      [siteId],
    );
    const [first, second] = sessions;
    const outcome = await deadlockAgainstWriter(
      (other, sessionId) =>
        other.query('UPDATE sessions SET events = events + 1 WHERE site_id = $1 AND id = $2', [
          siteId,
          sessionId,
        ]),
      { first: first!.id, second: second!.id },
      // The second session's event happened first, so it comes first in the writer's totals.
      () =>
        writer.write([
          row(siteId, { visitor_id: second!.visitor_id, occurred_at: new Date(start) }),
          row(siteId, { visitor_id: first!.visitor_id, occurred_at: new Date(start + 1000) }),
        ]),
    );
    expect(outcome.map(({ status }) => status)).toEqual(['accepted', 'accepted']);
    expect(writer.stats().lockRetries).toBe(1);
    await writer.close();
  });

  /** Twenty visitors: all in one of two lanes about once in half a million runs. */
  const acrossLanes = (siteId: string) =>
    Array.from({ length: 20 }, (_, index) => row(siteId, { visitor_id: `visitor-${index}` }));

  it('stores nothing of a request whose visitors span lanes when one of its rows fails, and its neighbours regardless', async () => {
    const writer = createEventWriter({ db, lanes: 2 });
    const [siteId, neighbourSite] = [newId('site'), newId('site')];
    const neighbour = writer.write([row(neighbourSite, { visitor_id: 'neighbour' })]);
    const bad = writer.write(
      acrossLanes(siteId).map((each, index) => (index === 13 ? { ...each, value: 1e20 } : each)),
    );
    const [badResult, neighbourResult] = await Promise.allSettled([bad, neighbour]);
    // Closed, the writer has finished every transaction: nothing of the request can commit later.
    await writer.close();
    expect(badResult).toMatchObject({ status: 'rejected', reason: { code: 'bad_request' } });
    expect(await count(siteId)).toBe(0);
    expect(neighbourResult).toMatchObject({ status: 'fulfilled' });
    expect(await count(neighbourSite)).toBe(1);
  });

  it('commits a valid request whose visitors span lanes in one transaction', async () => {
    const writer = createEventWriter({ db, lanes: 2 });
    const siteId = newId('site');
    const outcomes = await writer.write(acrossLanes(siteId));
    expect(outcomes.map(({ status }) => status)).toEqual(Array.from({ length: 20 }, () => 'accepted'));
    expect(writer.stats().batches).toBe(1);
    const { rows } = await db.query<{ transactions: number }>(
      'SELECT count(DISTINCT xmin::text)::int AS transactions FROM events WHERE site_id = $1',
      [siteId],
    );
    expect(rows[0]).toEqual({ transactions: 1 });
    await writer.close();
  });

  it('commits requests queued one behind another across the same lanes in one transaction', async () => {
    const writer = createEventWriter({ db, lanes: 2 });
    const siteId = newId('site');
    const requests = Array.from({ length: 10 }, () => writer.write(acrossLanes(siteId)));
    const outcomes = (await Promise.all(requests)).flat();
    expect(outcomes.filter(({ status }) => status === 'accepted')).toHaveLength(200);
    // Batch traffic spans lanes nearly always: one transaction per request would shrink batches.
    expect(writer.stats().batches).toBe(1);
    await writer.close();
  });

  it("keeps each visitor's events in order while requests across lanes and within one interleave", async () => {
    const writer = createEventWriter({ db, lanes: 2 });
    const siteId = newId('site');
    const visitors = Array.from({ length: 30 }, (_, index) => `visitor-${index}`);
    const requests: Array<Promise<unknown>> = [];
    for (let round = 0; round < 10; round++) {
      requests.push(writer.write(visitors.map((visitor) => row(siteId, { visitor_id: visitor }))));
      for (const visitor of visitors) requests.push(writer.write([row(siteId, { visitor_id: visitor })]));
    }
    await Promise.all(requests);
    // Two transactions of one visitor at once would each find no session and open one.
    const { rows } = await db.query<{ visitor_id: string; sessions: number; pageviews: number }>(
      `SELECT visitor_id, count(*)::int AS sessions, sum(pageviews)::int AS pageviews
       FROM sessions WHERE site_id = $1 GROUP BY visitor_id`,
      [siteId],
    );
    expect(rows).toHaveLength(30);
    expect(rows.filter((session) => session.sessions !== 1 || session.pageviews !== 20)).toEqual([]);
    await writer.close();
  });

  it("gives each site a fair share of the buffer, so a flooding site cannot refuse another's events", async () => {
    const writer = createEventWriter({ db, maxBufferedRows: 100, minSiteShare: 10 });
    const [flooding, alsoFlooding, quiet] = [newId('site'), newId('site'), newId('site')];
    const tenRows = (siteId: string) => Array.from({ length: 10 }, () => row(siteId));
    const settled = (siteId: string, requests: number) =>
      Promise.allSettled(Array.from({ length: requests }, () => writer.write(tenRows(siteId))));
    // All in one tick, before the first flush takes anything out of the buffer.
    const flood = settled(flooding, 20);
    const secondFlood = settled(alsoFlooding, 20);
    const [quietResult] = await settled(quiet, 1);
    expect(quietResult).toMatchObject({ status: 'fulfilled' });
    const refusals = [...(await flood), ...(await secondFlood)].filter(
      (result) => result.status === 'rejected',
    );
    expect(refusals.length).toBeGreaterThan(0);
    for (const refusal of refusals) {
      expect(refusal).toMatchObject({ reason: { code: 'service_unavailable', retryAfterSeconds: 1 } });
    }
    expect(writer.stats()).toMatchObject({ rejectedSiteShare: refusals.length, rejectedFull: 0 });
    // Alone, a site may fill half the buffer; a second one its third, keeping a share for the next.
    expect(await count(flooding)).toBe(50);
    expect(await count(alsoFlooding)).toBe(30);
    expect(await count(quiet)).toBe(10);
    await writer.close();
  });

  it('flushes what it holds on close and then refuses new writes', async () => {
    const writer = createEventWriter({ db });
    const siteId = newId('site');
    const pending = writer.write(Array.from({ length: 50 }, () => row(siteId)));
    await writer.close();
    expect(await pending).toHaveLength(50);
    expect(await count(siteId)).toBe(50);
    await expect(writer.write([row(siteId)])).rejects.toMatchObject({ code: 'service_unavailable' });
  });

  it("looks a batch's eventIds and visitors up by key, without reading the rest of the site", async () => {
    const writer = createEventWriter({ db });
    const siteId = newId('site');
    await writer.write(
      Array.from({ length: 3000 }, (_, index) =>
        row(siteId, { event_id: `stored-${index}`, visitor_id: `visitor-${index}` }),
      ),
    );
    await writer.close();
    // As the writer's own connections run it (generic plan, sequential scans off), for a site the
    // planner has no statistics of yet and again once it has.
    const writerDb = createPool({
      connectionString: inject('databaseUrl'),
      max: 1,
      settings: WRITER_SETTINGS,
    });
    const client = await writerDb.connect();
    try {
      await client.query(`PREPARE lookup(text[], text[], text[], text[]) AS ${FIND_KNOWN_IDS_AND_SESSIONS}`);
      const array = (values: string[]) => `ARRAY[${values.map((value) => client.escapeLiteral(value))}]`;
      const explain = `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE lookup(${array([siteId])},
        ${array(['stored-7', 'not-stored'])}, ${array([siteId])}, ${array(['visitor-7', 'visitor-unknown'])})`;
      for (const statistics of ['none yet', 'analysed']) {
        if (statistics === 'analysed') await client.query('ANALYZE event_ids, sessions');
        // Once to fill this connection's catalog caches, whose reads planning would otherwise add.
        await client.query(explain);
        const { rows } = await client.query<{ 'QUERY PLAN': Array<{ Plan: Record<string, number> }> }>(
          explain,
        );
        const plan = rows[0]!['QUERY PLAN'][0]!.Plan;
        // A probe per key touches a handful of pages; a scan of the site's entries, hundreds.
        expect(plan['Shared Hit Blocks']! + plan['Shared Read Blocks']!, statistics).toBeLessThan(60);
      }
    } finally {
      client.release();
      await writerDb.end();
    }
  });
});

describe('event writer: committed rows', () => {
  it('hands listeners the stored rows after COMMIT, before answering, and never duplicates', async () => {
    const writer = createEventWriter({ db });
    const siteId = newId('site');
    const seen: Array<{ ids: string[]; visibleToOthers: Promise<number> }> = [];
    writer.onCommitted((rows) => {
      // Another connection sees the rows already: the listener runs after COMMIT, not inside the transaction.
      seen.push({ ids: rows.map((committed) => committed.id), visibleToOthers: count(siteId) });
    });
    const first = row(siteId, { event_id: 'once' });
    const [outcome] = await writer.write([first]);
    expect(seen.map((call) => call.ids)).toEqual([[first.id]]);
    await writer.write([row(siteId, { event_id: 'once' })]);
    expect(seen).toHaveLength(1);
    expect(await seen[0]!.visibleToOthers).toBe(1);
    expect(outcome).toEqual({ status: 'accepted', id: first.id });
    await writer.close();
  });

  it('answers the write even when a listener throws, and stops calling a removed listener', async () => {
    const errors: object[] = [];
    const writer = createEventWriter({ db, log: { error: (object) => errors.push(object) } });
    const siteId = newId('site');
    const remove = writer.onCommitted(() => {
      throw new Error('listener broke');
    });
    const [outcome] = await writer.write([row(siteId)]);
    expect(outcome?.status).toBe('accepted');
    expect(errors).toHaveLength(1);
    remove();
    await writer.write([row(siteId)]);
    expect(errors).toHaveLength(1);
    expect(await count(siteId)).toBe(2);
    await writer.close();
  });
});
