import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { markDirtyHours } from '../src/analytics/rollups/dirty-hours.ts';
import { refreshRollups } from '../src/analytics/rollups/index.ts';
import { runScript } from '../src/db/copy.ts';
import { embeddedConnectionString } from '../src/db/embedded.ts';
import { connectionBounds, createPool, type Pool } from '../src/db/pool.ts';
import { countStatus, runLoad, type LoadResult } from './load.ts';
import {
  startBeacon,
  stopAllStarted,
  stopOrphanedPostgres,
  writerCounters,
  type Server,
  guardBenchRun,
} from './processes.ts';
import { loadReportTraffic } from './report-traffic.ts';
import { BENCH_DOMAIN, createTraffic } from './traffic.ts';

/**
 * npm run bench -- --reports [--events 10000000] [--runs 10] [--ingest-seconds 15]
 *
 * The report benchmark (issue 13): 90 days of one site's traffic COPYed into Beacon's database
 * (events and the sessions ingestion would have made of them, and a few goals), the roll-ups
 * computed from it as the roll-up job would, then every report of the last 30 days asked through
 * Beacon's HTTP API as a dashboard asks: cold (`Cache-Control: no-cache`, the report cache skipped)
 * and cached. Each report is measured against the same question on the raw events in the same run:
 * the same request with a filter that keeps every event (`page is not /__bench_never__`) takes the
 * raw path whatever the server answers unfiltered reports from, and its answer must be identical.
 * Last, what keeping roll-ups current costs ingestion: the ingest rate with the roll-up job running
 * and with it held, alternated, and the writer's dirty-hour insert timed on its own.
 *
 * The machine is shared and noisy: only ratios within one run mean anything.
 */

const TIMEZONE = 'Europe/Berlin';
const DAYS = 90;
const REPORT_DAYS = 30;
/** Keeps every event (no page is this) but is a filter: the server must answer from raw events. */
const KEEP_EVERY_EVENT = [['is_not', 'page', ['/__bench_never__']]];
/** A report's cold or raw runs stop early past this, once three are in: raw reports may take seconds. */
const REPORT_BUDGET_MS = 30_000;
const DASHBOARD_RUNS = 5;
const RUN_DEADLINE_MS = 180 * 60_000;
/** Access tokens live 15 minutes; the bench logs in again before that. */
const TOKEN_REFRESH_MS = 10 * 60_000;

export interface ReportsBenchOptions {
  events: number;
  /** Cold, cached and raw runs per report (cold and raw fewer when a report is slow). */
  runs: number;
  /** Each of the four alternating ingestion phases. */
  ingestSeconds: number;
}

const fmt = (value: number, digits = 0) =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '–';

/** Nearest rank: with few runs, p95 is the slowest. */
function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

interface ReportRequest {
  name: string;
  method: 'GET' | 'POST';
  /** Under /api/sites/:siteId. */
  path: string;
  query: Record<string, string>;
  body?: Record<string, unknown>;
  /** Realtime takes no range or filters and is never cached: timed as it is. */
  rangeReport: boolean;
}

/** The same request with the filter that keeps every event and forces the raw path. */
function onRawEvents(request: ReportRequest): ReportRequest {
  return request.method === 'GET'
    ? { ...request, query: { ...request.query, filters: JSON.stringify(KEEP_EVERY_EVENT) } }
    : { ...request, body: { ...request.body, filters: KEEP_EVERY_EVENT } };
}

function reportRequests(from: string, to: string): ReportRequest[] {
  const range = { from, to };
  const breakdown = (dimension: string): ReportRequest => ({
    name: `breakdown ${dimension}`,
    method: 'GET',
    path: '/stats/breakdown',
    query: { ...range, dimension, limit: '10' },
    rangeReport: true,
  });
  return [
    {
      name: 'overview compare=previous',
      method: 'GET',
      path: '/stats/overview',
      query: { ...range, compare: 'previous' },
      rangeReport: true,
    },
    {
      name: 'timeseries interval=day',
      method: 'GET',
      path: '/stats/timeseries',
      query: { ...range, interval: 'day' },
      rangeReport: true,
    },
    ...[
      'page',
      'entry_page',
      'channel',
      'referrer_host',
      'utm_source',
      'country',
      'device',
      'browser',
      'os',
      'company',
      'goal',
    ].map(breakdown),
    { name: 'realtime', method: 'GET', path: '/stats/realtime', query: {}, rangeReport: false },
    {
      name: 'funnel, 3 steps',
      method: 'POST',
      path: '/funnels/query',
      query: {},
      body: {
        ...range,
        steps: [{ page: '/pricing' }, { page: '/signup' }, { event: 'signup' }],
        window: 1440,
      },
      rangeReport: true,
    },
    { name: 'retention', method: 'GET', path: '/stats/retention', query: range, rangeReport: true },
  ];
}

/**
 * What a dashboard's overview page shows at once, one tab per panel (as Plausible's and Umami's
 * do), plus Beacon's companies and goals: the requests it fires together on opening.
 */
const DASHBOARD = [
  'overview compare=previous',
  'timeseries interval=day',
  'breakdown page',
  'breakdown channel',
  'breakdown referrer_host',
  'breakdown country',
  'breakdown device',
  'breakdown browser',
  'breakdown os',
  'breakdown company',
  'breakdown goal',
  'realtime',
];

interface Answer {
  ms: number;
  cache: string | null;
  body: unknown;
}

class Client {
  private token: { value: string; at: number } | undefined;

  constructor(
    private readonly base: string,
    private readonly siteId: string,
    private readonly admin: { email: string; password: string },
  ) {}

  private async authorization(): Promise<string> {
    if (this.token === undefined || Date.now() - this.token.at > TOKEN_REFRESH_MS) {
      const login = await sendJson('POST', this.base, '/api/auth/login', this.admin);
      this.token = { value: login.accessToken as string, at: Date.now() };
    }
    return `Bearer ${this.token.value}`;
  }

  async ask(request: ReportRequest, fresh: boolean): Promise<Answer> {
    const authorization = await this.authorization();
    const query = new URLSearchParams(request.query).toString();
    const url = `${this.base}/api/sites/${this.siteId}${request.path}${query ? `?${query}` : ''}`;
    const started = performance.now();
    const response = await fetch(url, {
      method: request.method,
      headers: {
        authorization,
        ...(fresh ? { 'cache-control': 'no-cache' } : {}),
        ...(request.body ? { 'content-type': 'application/json' } : {}),
      },
      ...(request.body ? { body: JSON.stringify(request.body) } : {}),
    });
    const text = await response.text();
    const ms = performance.now() - started;
    if (!response.ok) throw new Error(`${request.name}: ${response.status} ${text.slice(0, 500)}`);
    return { ms, cache: response.headers.get('x-beacon-cache'), body: JSON.parse(text) as unknown };
  }
}

async function sendJson(
  method: 'POST' | 'PATCH',
  base: string,
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const response = await fetch(base + url, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${JSON.stringify(json)}`);
  return json;
}

/** Runs until `runs` are done, or fewer (three at least) once `budgetMs` is spent. */
async function repeat(runs: number, budgetMs: number, run: () => Promise<number>): Promise<number[]> {
  const times: number[] = [];
  const started = performance.now();
  while (times.length < runs && (times.length < 3 || performance.now() - started < budgetMs)) {
    times.push(await run());
  }
  return times;
}

interface ReportTimes {
  name: string;
  cold: number[];
  cached: number[];
  raw: number[];
  /** Why the raw answer is not the same report, if it is not. */
  mismatch: string | undefined;
  /** Relative errors of visitor counts (from roll-up sketches) against the raw answer's exact ones. */
  visitorErrors: number[];
}

/** Visitors come from sketches (and conversion rates from visitors): they may differ; nothing else may. */
const ESTIMATED = new Set(['visitors', 'conversionRate']);

/**
 * Walks a report and the raw one side by side: every field must be equal but estimated ones, whose
 * relative error is collected; breakdown rows are matched by value (estimates may reorder ties).
 */
function compareAnswers(
  report: unknown,
  raw: unknown,
  path = '',
  errors: number[] = [],
): { mismatch?: string; errors: number[] } {
  const differs = (why: string) => ({ mismatch: `${path || 'answer'}: ${why}`, errors });
  if (Array.isArray(report) && Array.isArray(raw)) {
    if (report.length !== raw.length) return differs(`${report.length} items, raw ${raw.length}`);
    const keyed = report.every((item) => typeof item === 'object' && item !== null && 'value' in item);
    const rawByValue = new Map(
      raw.map((item, index) => [keyed ? (item as { value: unknown }).value : index, item]),
    );
    for (const [index, item] of report.entries()) {
      const key = keyed ? (item as { value: unknown }).value : index;
      if (!rawByValue.has(key)) return differs(`row ${JSON.stringify(key)} is not in the raw answer`);
      const inner = compareAnswers(item, rawByValue.get(key), `${path}[${JSON.stringify(key)}]`, errors);
      if (inner.mismatch !== undefined) return inner;
    }
    return { errors };
  }
  if (typeof report === 'object' && report !== null && typeof raw === 'object' && raw !== null) {
    const keys = new Set([...Object.keys(report), ...Object.keys(raw)]);
    for (const key of keys) {
      const [mine, theirs] = [
        (report as Record<string, unknown>)[key],
        (raw as Record<string, unknown>)[key],
      ];
      if (ESTIMATED.has(key) && typeof mine === 'number' && typeof theirs === 'number') {
        if (key === 'visitors' && theirs > 0) errors.push(Math.abs(mine - theirs) / theirs);
        continue;
      }
      const inner = compareAnswers(mine, theirs, `${path}.${key}`, errors);
      if (inner.mismatch !== undefined) return inner;
    }
    return { errors };
  }
  return report === raw ? { errors } : differs(`${JSON.stringify(report)}, raw ${JSON.stringify(raw)}`);
}

async function timeReport(client: Client, request: ReportRequest, runs: number): Promise<ReportTimes> {
  // The first answer fills PostgreSQL's buffers and the report cache: cold runs measure the report
  // cache skipped on a database in use, as a dashboard's refresh button finds it.
  const first = await client.ask(request, true);
  let answer = first.body;
  const cold = await repeat(runs, REPORT_BUDGET_MS, async () => {
    const fresh = await client.ask(request, true);
    if (request.rangeReport && fresh.cache !== 'miss') {
      throw new Error(`${request.name}: Cache-Control: no-cache answered x-beacon-cache ${fresh.cache}`);
    }
    answer = fresh.body;
    return fresh.ms;
  });
  if (!request.rangeReport) {
    return { name: request.name, cold, cached: [], raw: [], mismatch: undefined, visitorErrors: [] };
  }
  const cached = await repeat(runs, Number.POSITIVE_INFINITY, async () => {
    const hit = await client.ask(request, false);
    if (hit.cache !== 'hit') throw new Error(`${request.name}: a repeated request was a cache ${hit.cache}`);
    return hit.ms;
  });
  const raw = onRawEvents(request);
  let rawAnswer: unknown;
  const rawTimes = await repeat(runs, REPORT_BUDGET_MS, async () => {
    const fresh = await client.ask(raw, true);
    rawAnswer = fresh.body;
    return fresh.ms;
  });
  const { mismatch, errors } = compareAnswers(answer, rawAnswer);
  return { name: request.name, cold, cached, raw: rawTimes, mismatch, visitorErrors: errors };
}

/**
 * The dashboard's requests fired together, as a browser opening it does: the time until the last
 * answer, and the errors among them (Beacon answers 503 when its pool has no connection for one).
 */
async function timeDashboard(
  client: Client,
  requests: ReportRequest[],
  fresh: boolean,
  errors: string[],
): Promise<number> {
  const started = performance.now();
  await Promise.all(
    requests.map((request) =>
      client.ask(request, fresh).catch((error: unknown) => {
        errors.push(String((error as Error).message).slice(0, 200));
      }),
    ),
  );
  return performance.now() - started;
}

/**
 * While held here, the roll-up job is "running elsewhere" for every Beacon: none starts it. A lease
 * of a day, not 'infinity': the scheduler reads an infinite lease as no date and stops claiming
 * every job.
 */
async function holdRollupJob(db: Pool, held: boolean) {
  await db.query(
    held
      ? `UPDATE job_schedules SET lease_token = gen_random_uuid(), lease_expires_at = now() + interval '1 day' WHERE name = 'rollups'`
      : `UPDATE job_schedules SET lease_token = NULL, lease_expires_at = NULL, next_run_at = now() WHERE name = 'rollups'`,
  );
}

/** Rows and bytes (indexes and TOAST included) of the tables the benchmark fills. */
async function sizes(db: Pool) {
  const tables = ['events', 'sessions', 'rollup_days', 'rollup_hours', 'rollup_values'];
  const rows = await Promise.all(
    tables.map(async (name) => {
      const { rows } = await db.query<{ rows: string; bytes: string }>(
        `SELECT (SELECT count(*) FROM ${name}) AS rows,
           coalesce((SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('${name}')),
                    pg_total_relation_size('${name}')) AS bytes`,
      );
      return { name, rows: Number(rows[0]!.rows), bytes: Number(rows[0]!.bytes) };
    }),
  );
  const {
    rows: [database],
  } = await db.query<{ bytes: string }>('SELECT pg_database_size(current_database()) AS bytes');
  return { tables: rows, databaseBytes: Number(database!.bytes) };
}

/**
 * The writer's dirty-hour insert on its own: the writer's one-round-trip script for a batch of
 * `batchSize` events with and without it, alternated, synchronous_commit off so that the disk's
 * flush does not drown it.
 */
async function markStatementCost(db: Pool, siteId: string, batchSize: number, rounds: number) {
  const client = await db.connect();
  const times: Record<'without' | 'with', number[]> = { without: [], with: [] };
  try {
    await client.query('SET synchronous_commit = off');
    for (let round = 0; round < rounds; round++) {
      for (const variant of round % 2 === 0
        ? (['without', 'with'] as const)
        : (['with', 'without'] as const)) {
        const now = new Date();
        const rows = Array.from(
          { length: batchSize },
          (_, at) =>
            `evt_m${round}_${variant}_${at}\t${siteId}\tpageview\t${now.toISOString()}\t${now.toISOString()}\tv${at}\t/bench\n`,
        ).join('');
        const mark = markDirtyHours([{ site_id: siteId, at: now }])!;
        const started = performance.now();
        await runScript(client, [
          { sql: 'BEGIN' },
          {
            sql: 'COPY events (id, site_id, type, received_at, occurred_at, visitor_id, path) FROM STDIN',
            copyText: rows,
          },
          ...(variant === 'with' ? [mark] : []),
          { sql: 'COMMIT' },
        ]);
        times[variant].push(performance.now() - started);
      }
    }
  } finally {
    client.release();
  }
  return { without: percentile(times.without, 0.5), with: percentile(times.with, 0.5) };
}

const REPORT_COLUMNS = [
  ['report', 28, true],
  ['cold p50', 9],
  ['p95', 7],
  ['n', 3],
  ['cached p50', 11],
  ['p95', 6],
  ['raw p50', 9],
  ['p95', 7],
  ['n', 3],
  ['raw/cold', 9],
] as const;

function printReportCells(cells: string[]) {
  console.log(
    '  ' +
      cells
        .map((text, at) => {
          const [, width, left] = REPORT_COLUMNS[at]!;
          return left ? text.padEnd(width) : text.padStart(width);
        })
        .join(' '),
  );
}

/** One row as soon as the report is measured: a 10-million-event run takes a while. */
function printReport(result: ReportTimes) {
  const p = (values: number[], fraction: number, digits = 0) =>
    values.length === 0 ? '–' : fmt(percentile(values, fraction), digits);
  printReportCells([
    result.name,
    p(result.cold, 0.5),
    p(result.cold, 0.95),
    String(result.cold.length),
    p(result.cached, 0.5, 1),
    p(result.cached, 0.95, 1),
    p(result.raw, 0.5),
    p(result.raw, 0.95),
    result.raw.length === 0 ? '' : String(result.raw.length),
    result.raw.length === 0 ? '' : `${fmt(percentile(result.raw, 0.5) / percentile(result.cold, 0.5), 1)}×`,
  ]);
}

export async function runReportsBench(options: ReportsBenchOptions) {
  const temp = await fs.mkdtemp(path.join(os.tmpdir(), 'beacon-reports-'));
  const dataDir = path.join(temp, 'data');
  await fs.mkdir(dataDir);
  // As root the embedded PostgreSQL runs as the postgres user, which must be able to reach its dir.
  if (process.getuid?.() === 0) {
    await fs.chmod(temp, 0o755);
    await fs.chmod(dataDir, 0o755);
  }
  const admin = {
    email: `bench-${randomBytes(6).toString('hex')}@bench.example`,
    password: randomBytes(12).toString('base64url'),
  };
  let db: Pool | undefined;
  let beacon: Server | undefined;
  let loadedIntoDatabaseUrl = false;
  const cleanup = async () => {
    // With DATABASE_URL the tables were empty before the run (checked): the run's rows go again.
    if (db && loadedIntoDatabaseUrl) {
      await db.query(
        'TRUNCATE events, event_ids, sessions, rollup_dirty, rollup_days, rollup_hours, rollup_values',
      );
    }
    await db?.end();
    db = undefined;
    await stopAllStarted();
    await stopOrphanedPostgres(dataDir);
    await fs.rm(temp, { recursive: true, force: true });
  };
  const guard = guardBenchRun({ name: 'report bench', deadlineMs: RUN_DEADLINE_MS, cleanup, dataDir, temp });

  const startedAt = performance.now();
  try {
    console.log(
      `Beacon report bench: ${os.availableParallelism()} cores, Node ${process.version}, ` +
        `database ${process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded PostgreSQL (fresh data dir)'}, ` +
        `${fmt(options.events)} events over ${DAYS} days`,
    );
    // Raw reports over millions of events may take longer than the API's default 30 s.
    beacon = await startBeacon({ dataDir, admin, env: { DATABASE_STATEMENT_TIMEOUT_MS: '600000' } });
    const databaseUrl =
      process.env.DATABASE_URL ?? (await embeddedConnectionString(path.join(dataDir, 'postgres')));
    db = createPool({ connectionString: databaseUrl, max: 4, bounds: connectionBounds(30 * 60_000) });
    const {
      rows: [existing],
    } = await db.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM events) AS any');
    if (existing!.any) {
      throw new Error(
        'the events table already holds rows: the loader rebuilds its indexes and the run empties it ' +
          'afterwards, so give it a database of its own (or no DATABASE_URL: an embedded one)',
      );
    }
    loadedIntoDatabaseUrl = process.env.DATABASE_URL !== undefined;
    const token = (await sendJson('POST', beacon.base, '/api/auth/login', admin)).accessToken as string;
    const auth = { authorization: `Bearer ${token}` };
    const site = await sendJson(
      'POST',
      beacon.base,
      '/api/sites',
      { name: 'Reports bench', domain: BENCH_DOMAIN, timezone: TIMEZONE },
      auth,
    );
    const siteId = site.id as string;
    for (const goal of [
      { eventName: 'signup' },
      { eventName: 'purchase' },
      { pagePattern: '/demo' },
      { pagePattern: '/pricing' },
    ]) {
      await sendJson('POST', beacon.base, `/api/sites/${siteId}/goals`, goal, auth);
    }
    await holdRollupJob(db, true);

    // 90 local days up to today, today up to now.
    const { rows: days } = await db.query<{ day: string; start: Date }>(
      `SELECT d::date::text AS day, d::date::timestamp AT TIME ZONE $1 AS start
       FROM generate_series((now() AT TIME ZONE $1)::date - ($2::int - 1), (now() AT TIME ZONE $1)::date, interval '1 day') AS d`,
      [TIMEZONE, DAYS],
    );
    await db.query('SELECT ensure_event_partitions($1::date - 1, $2)', [days[0]!.day, DAYS + 10]);
    const loadStarted = performance.now();
    const loaded = await loadReportTraffic(db, {
      siteId,
      dayStarts: days.map((day) => day.start),
      events: options.events,
      until: new Date(),
    });
    const analyzeStarted = performance.now();
    await db.query('ANALYZE events');
    await db.query('ANALYZE sessions');
    const loadMs = performance.now() - loadStarted;
    console.log(
      `loaded ${fmt(loaded.events)} events in ${fmt(loadMs / 1000, 1)} s: COPY ${fmt(loaded.copyMs / 1000, 1)} s ` +
        `(${fmt(loaded.events / (loaded.copyMs / 1000))} events/s), indexes ${fmt(loaded.indexMs / 1000, 1)} s, ` +
        `ANALYZE ${fmt((performance.now() - analyzeStarted) / 1000, 1)} s`,
    );

    // As migration 016 does for events stored before it: every hour with events is dirty, never
    // computed; then the job's own function computes them all in one go.
    const rollupStarted = performance.now();
    await db.query(
      `INSERT INTO rollup_dirty (site_id, hour, marked_at)
       SELECT DISTINCT site_id, date_trunc('hour', occurred_at), '-infinity'::timestamptz FROM events WHERE site_id = $1`,
      [siteId],
    );
    const refreshed = await refreshRollups({
      db,
      now: () => new Date(),
      siteId,
      budgetMs: Number.POSITIVE_INFINITY,
    });
    if (refreshed.failed > 0 || refreshed.remaining > 0) {
      throw new Error(`roll-ups incomplete: ${JSON.stringify(refreshed)}`);
    }
    const rollupMs = performance.now() - rollupStarted;
    await holdRollupJob(db, false);
    console.log(
      `roll-ups of ${refreshed.days} days computed in ${fmt(rollupMs / 1000, 1)} s (${fmt(rollupMs / Math.max(1, refreshed.days))} ms a day)`,
    );
    const stored = await sizes(db);
    console.log(`data: database ${fmt(stored.databaseBytes / 2 ** 30, 2)} GiB`);
    for (const table of stored.tables) {
      console.log(
        `  ${table.name.padEnd(14)} ${fmt(table.rows).padStart(12)} rows ${fmt(table.bytes / 2 ** 20, 0).padStart(8)} MiB`,
      );
    }

    // The 30 whole local days up to yesterday: what "last 30 days" shows.
    const from = days.at(-1 - REPORT_DAYS)!.day;
    const to = days.at(-2)!.day;
    const client = new Client(beacon.base, siteId, admin);
    const requests = reportRequests(from, to);
    console.log(
      `\nreports over ${from} … ${to} (${TIMEZONE}) through the HTTP API, ms; cold: Cache-Control: no-cache ` +
        `(the report cache skipped, PostgreSQL warm); raw: the same request with ` +
        `filters=${JSON.stringify(KEEP_EVERY_EVENT)}, cold; n: runs (fewer when slow)`,
    );
    const results: ReportTimes[] = [];
    printReportCells(REPORT_COLUMNS.map(([title]) => title));
    for (const request of requests) {
      const result = await timeReport(client, request, options.runs);
      printReport(result);
      results.push(result);
    }
    const mismatches = results.filter((result) => result.mismatch !== undefined);
    for (const result of mismatches) {
      console.log(`\n  WARNING: ${result.name}: the raw answer differs\n    ${result.mismatch}`);
    }
    const visitorErrors = results.flatMap((result) => result.visitorErrors);
    if (mismatches.length === 0) console.log('  every raw answer equals the unfiltered one but for visitors');
    console.log(
      `  visitor counts (and conversion rates) from roll-up sketches against the raw answers' exact ones: ` +
        `${fmt(visitorErrors.length)} compared, mean error ` +
        `${fmt((100 * visitorErrors.reduce((sum, error) => sum + error, 0)) / Math.max(1, visitorErrors.length), 2)} %, ` +
        `p99 ${fmt(100 * percentile(visitorErrors, 0.99), 2)} %, max ${fmt(100 * Math.max(0, ...visitorErrors), 2)} %`,
    );
    const overview = await client.ask(requests[0]!, false);
    const numbers = overview.body as Record<string, unknown>;
    console.log(
      `  (30 days: ${fmt(Number(numbers.visitors))} visitors, ${fmt(Number(numbers.sessions))} sessions, ` +
        `${fmt(Number(numbers.pageviews))} page views, ${fmt(Number(numbers.conversions))} conversions)`,
    );

    const dashboard = requests.filter((request) => DASHBOARD.includes(request.name));
    const dashboardRaw = dashboard.map((request) => (request.rangeReport ? onRawEvents(request) : request));
    const cold: number[] = [];
    const cached: number[] = [];
    const raw: number[] = [];
    const errors = { cold: [] as string[], cached: [] as string[], raw: [] as string[] };
    for (let run = 0; run < DASHBOARD_RUNS; run++) {
      cold.push(await timeDashboard(client, dashboard, true, errors.cold));
    }
    for (let run = 0; run < DASHBOARD_RUNS; run++) {
      cached.push(await timeDashboard(client, dashboard, false, errors.cached));
    }
    raw.push(
      ...(await repeat(DASHBOARD_RUNS, 2 * REPORT_BUDGET_MS, () =>
        timeDashboard(client, dashboardRaw, true, errors.raw),
      )),
    );
    console.log(
      `\nthe 30-day dashboard view, its ${dashboard.length} requests fired together (${DASHBOARD.join(', ')}):\n` +
        `  cold   p50 ${fmt(percentile(cold, 0.5))} ms, max ${fmt(Math.max(...cold))} ms (${cold.length} runs)\n` +
        `  cached p50 ${fmt(percentile(cached, 0.5))} ms, max ${fmt(Math.max(...cached))} ms (${cached.length} runs)\n` +
        `  raw    p50 ${fmt(percentile(raw, 0.5))} ms, max ${fmt(Math.max(...raw))} ms (${raw.length} runs) = ` +
        `${fmt(percentile(raw, 0.5) / percentile(cold, 0.5), 1)}× cold`,
    );
    for (const [kind, failed] of Object.entries(errors)) {
      if (failed.length > 0) {
        console.log(`  WARNING: ${failed.length} ${kind} requests failed, e.g. ${failed[0]}`);
      }
    }

    await compareIngestion(db, beacon, site.siteKey as string, siteId, options.ingestSeconds);
    console.log(`\ntotal ${fmt((performance.now() - startedAt) / 1000)} s`);
  } catch (error) {
    process.exitCode = 1;
    console.error('\nreport bench failed:', error instanceof Error ? error.stack : error);
    if (beacon) console.error(`--- last output of Beacon ---\n${beacon.output().slice(-4000)}`);
  } finally {
    await cleanup();
    guard.finished();
  }
}

/**
 * Ingestion (single events, 50 connections) with roll-ups kept current, as Beacon runs, against
 * the same Beacon with the roll-up job held (its schedule leased, as if another instance ran it),
 * alternated twice so that drifts of the shared machine fall on both. The writer's dirty-hour
 * insert stays in both, so it is timed on its own after, at the batch size the writer ran with.
 */
async function compareIngestion(db: Pool, beacon: Server, siteKey: string, siteId: string, seconds: number) {
  const traffic = createTraffic(siteKey);
  const load = (durationSeconds: number) =>
    runLoad({
      url: `${beacon.base}/api/track/event`,
      connections: 50,
      durationSeconds,
      makeRequest: () => traffic.eventRequest(),
    });
  const rate = (result: LoadResult) => countStatus(result, (status) => status === 201) / result.seconds;
  const phases: Array<{ maintained: boolean; result: LoadResult }> = [];
  let batches = 0;
  let rows = 0;
  await load(3);
  for (const maintained of [true, false, true, false]) {
    await holdRollupJob(db, !maintained);
    const before = await writerCounters(beacon);
    const result = await load(seconds);
    const after = await writerCounters(beacon);
    batches += (after?.get('batches') ?? 0) - (before?.get('batches') ?? 0);
    rows += (after?.get('rowsWritten') ?? 0) - (before?.get('rowsWritten') ?? 0);
    phases.push({ maintained, result });
  }
  await holdRollupJob(db, false);
  const mean = (maintained: boolean) => {
    const chosen = phases.filter((phase) => phase.maintained === maintained);
    return chosen.reduce((sum, phase) => sum + rate(phase.result), 0) / chosen.length;
  };
  const withJob = mean(true);
  const withoutJob = mean(false);
  console.log(
    `\ningestion, single events, 50 connections, ${seconds} s a phase, alternated:\n` +
      phases
        .map(
          ({ maintained, result }) =>
            `  roll-up job ${maintained ? 'running (every 30 s)' : 'held               '} ${fmt(rate(result)).padStart(7)} events/s, p99 ${fmt(result.latency.p99, 1)} ms`,
        )
        .join('\n') +
      `\n  running / held: ${fmt(withJob)} / ${fmt(withoutJob)} events/s = ${fmt((withJob / withoutJob) * 100, 1)} % (goal ≥ 90 %)`,
  );
  const batchSize = batches > 0 ? Math.max(1, Math.round(rows / batches)) : 10;
  const mark = await markStatementCost(db, siteId, batchSize, 500);
  console.log(
    `  the writer's dirty-hour insert (in both): a ${batchSize}-event write transaction (the writer's mean batch ` +
      `in this run) takes ${fmt(mark.without * 1000)} µs without it, ${fmt(mark.with * 1000)} µs with it ` +
      `(${fmt(((mark.with - mark.without) / mark.without) * 100, 1)} %, medians of 500, synchronous_commit off)`,
  );
}
