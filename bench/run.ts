import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { cpuBetween, cpuSnapshot, type CpuUse } from './cpu.ts';
import { countStatus, runLoad, type LoadOptions, type LoadResult } from './load.ts';
import {
  repoRoot,
  startBare,
  stopAllStarted,
  startBeacon,
  startFloor,
  stopOrphanedPostgres,
  stopServer,
  type Server,
  writerCounters,
  guardBenchRun,
} from './processes.ts';
import { runPaced } from './paced.ts';
import { analyseProfile, findProfile, profileBounds, type Cost, type WindowProfile } from './profile.ts';
import { printEnrichmentBench, runEnrichmentBench } from './enrichment.ts';
import { runReportsBench } from './reports.ts';
import { BENCH_DOMAIN, createTraffic, type Traffic } from './traffic.ts';
import {
  FAKE_GA4_API_SECRET,
  FAKE_GA4_MEASUREMENT_ID,
  startFakeGa4,
  type FakeGa4,
} from '../test/fakes/ga4-server.ts';

/**
 * npm run bench [-- --profile] [--duration 10] [--warmup 2]
 * npm run bench -- --reports [--events 10000000] [--runs 10] [--ingest-seconds 15]   (bench/reports.ts)
 *
 * Ingestion throughput and latency, reported against a bare Fastify server measured in the same
 * run: this machine is shared and noisy, so only ratios from one run mean anything. Speed is
 * measured here and never asserted in tests.
 *
 * Without DATABASE_URL, Beacon runs its embedded PostgreSQL in a fresh temporary directory that is
 * removed afterwards; with DATABASE_URL, the run's agency, site and events stay in that database.
 */

const TARGETS = { singleVsBare: 0.5, p99AtRateMs: 25, offeredRate: 2000, batchEventsPerSecond: 50_000 };
const BATCH_SIZE = 100;
const PACED_MAX_SOCKETS = 1000;
/** Whole-run bound: a hung server must not leave the bench (and its children) running. */
const RUN_DEADLINE_MS = 6 * 60_000;

const { values: flags } = parseArgs({
  options: {
    profile: { type: 'boolean', default: false },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    reports: { type: 'boolean', default: false },
    events: { type: 'string', default: '10000000' },
    runs: { type: 'string', default: '10' },
    'ingest-seconds': { type: 'string', default: '15' },
  },
});
const durationSeconds = Number(flags.duration);
const warmupSeconds = Number(flags.warmup);
if (!(durationSeconds >= 1 && warmupSeconds >= 1)) {
  console.error('--duration and --warmup are seconds, at least 1');
  process.exit(2);
}
const cores = os.availableParallelism();

interface Phase {
  title: string;
  server: Server;
  connections: number;
  rateLabel: string;
  eventsPerRequest: number;
  load: LoadResult;
  cpu: CpuUse;
  /** Event-loop delay of the load generator (this process) while measuring. */
  benchLagMs: { p99: number; max: number };
  /** Bench-process monotonic clock, µs: selects this phase's samples in a CPU profile. */
  windowUs: [number, number];
  writer: WriterDelta | undefined;
}

interface Measured {
  bare: Phase;
  single: Phase;
  floor: Phase;
  paced: Phase;
  autocannonRate: Phase;
  batch: Phase;
}

interface WriterDelta {
  batches: number;
  rowsWritten: number;
  rejectedFull: number;
  failedBatches: number;
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

async function measure(
  title: string,
  server: Server,
  load: LoadOptions,
  eventsPerRequest: number,
  run: (options: LoadOptions) => Promise<LoadResult> = runLoad,
): Promise<Phase> {
  process.stdout.write(`  ${title}: warm-up ${warmupSeconds} s, `);
  await run({ ...load, durationSeconds: warmupSeconds });
  const writerBefore = await writerCounters(server);
  process.stdout.write(`measuring ${durationSeconds} s … `);
  // A load generator that stalls measures itself, not the server: its own event-loop delay says so.
  const lag = monitorEventLoopDelay({ resolution: 5 });
  const cpuBefore = cpuSnapshot(server.pid);
  const fromUs = nowUs();
  lag.enable();
  const result = await run({ ...load, durationSeconds });
  lag.disable();
  const toUs = nowUs();
  const cpuAfter = cpuSnapshot(server.pid);
  // Let requests autocannon abandoned at the deadline finish before the next phase starts.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const writerAfter = await writerCounters(server);
  const ok = countStatus(result, (status) => status >= 200 && status < 300);
  process.stdout.write(`${Math.round(ok / result.seconds)} req/s\n`);
  const delta = (name: string) => (writerAfter?.get(name) ?? 0) - (writerBefore?.get(name) ?? 0);
  return {
    title,
    server,
    connections: load.connections,
    rateLabel: load.overallRate ? `${load.overallRate}/s` : 'max',
    eventsPerRequest,
    load: result,
    cpu: cpuBetween(cpuBefore, cpuAfter, cores),
    benchLagMs: { p99: lag.percentile(99) / 1e6, max: lag.max / 1e6 },
    windowUs: [fromUs, toUs],
    writer:
      writerBefore && writerAfter
        ? {
            batches: delta('batches'),
            rowsWritten: delta('rowsWritten'),
            rejectedFull: delta('rejectedFull'),
            failedBatches: delta('failedBatches'),
          }
        : undefined,
  };
}

// ---------------------------------------------------------------------------------------------
// Reporting

const fmt = (value: number, digits = 0) =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '–';
const cell = (text: string, width: number, left = false) =>
  left ? text.padEnd(width) : text.padStart(width);

function row(cells: Array<[string, number, boolean?]>) {
  console.log(cells.map(([text, width, left]) => cell(text, width, left)).join(' '));
}

/** Successful requests per second: what the server really absorbed, refusals excluded. */
const okPerSecond = (phase: Phase, predicate = (status: number) => status >= 200 && status < 300) =>
  countStatus(phase.load, predicate) / phase.load.seconds;

function statusSummary(load: LoadResult): string {
  const parts = [...load.statuses.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([status, count]) => `${status}×${fmt(count)}`);
  if (load.errors > 0) {
    parts.push(
      `errors×${fmt(load.errors)} (timeouts ${fmt(load.timeouts)}; first: ${load.firstError ?? '?'})`,
    );
  }
  if (load.note) parts.push(`(${load.note})`);
  return parts.join(', ') || 'no responses';
}

function printResults(phases: Phase[]) {
  console.log();
  row([
    ['phase', 34, true],
    ['conns', 5],
    ['offered', 8],
    ['req/s', 8],
    ['events/s', 9],
    ['p50 ms', 7],
    ['p95 ms', 7],
    ['p99 ms', 7],
    ['max ms', 7],
    ['non-2xx', 8],
    ['errors', 6],
  ]);
  for (const phase of phases) {
    const { load } = phase;
    const rps = okPerSecond(phase, phase.eventsPerRequest > 1 ? (status) => status === 201 : undefined);
    row([
      [phase.title, 34, true],
      [String(phase.connections), 5],
      [phase.rateLabel, 8],
      [fmt(rps), 8],
      [phase.server.name === 'bare' ? '–' : fmt(rps * phase.eventsPerRequest), 9],
      [fmt(load.latency.p50, 1), 7],
      [fmt(load.latency.p95, 1), 7],
      [fmt(load.latency.p99, 1), 7],
      [fmt(load.latency.max, 0), 7],
      [fmt(countStatus(load, (status) => status < 200 || status >= 300)), 8],
      [fmt(load.errors), 6],
    ]);
  }
  console.log(
    '\n3 offers Poisson arrivals at the rate whatever the answers (latency from when each was due);\n' +
      "3b is autocannon's overallRate, which sends each connection's quota for a second in one burst\n" +
      'and then waits (bench/paced.ts): for reference only, the target is judged on 3.',
  );
  console.log('\nresponses by status (a 503 is Beacon refusing work under backpressure):');
  for (const phase of phases) console.log(`  ${phase.title.padEnd(34)} ${statusSummary(phase.load)}`);
}

function printCpu(phases: Phase[]) {
  console.log(`\nCPU during each measured phase, in cores busy (this machine has ${cores}):`);
  row([
    ['phase', 34, true],
    ['server', 7],
    ['postgres', 9],
    ['bench', 6],
    ['other', 6],
    ['machine', 8],
    ['server µs/ev', 13],
    ['pg µs/ev', 9],
    ['bench lag p99/max ms', 21],
  ]);
  for (const phase of phases) {
    const { cpu } = phase;
    const events =
      countStatus(phase.load, (status) => status >= 200 && status < 300) * phase.eventsPerRequest;
    const perEvent = (cores: number | undefined) =>
      cores === undefined || events === 0 ? Number.NaN : (cores * cpu.seconds * 1e6) / events;
    const isBeacon = phase.server.name === 'Beacon';
    row([
      [phase.title, 34, true],
      [fmt(cpu.server ?? Number.NaN, 2), 7],
      [isBeacon ? fmt(cpu.descendants ?? Number.NaN, 2) : '–', 9],
      [fmt(cpu.bench, 2), 6],
      [fmt(cpu.other ?? Number.NaN, 2), 6],
      [fmt(cpu.machine ?? Number.NaN, 2), 8],
      [fmt(perEvent(cpu.server), 0), 13],
      [isBeacon ? fmt(perEvent(cpu.descendants), 0) : '–', 9],
      [`${fmt(phase.benchLagMs.p99, 0)} / ${fmt(phase.benchLagMs.max, 0)}`, 21],
    ]);
  }
  const external = phases.some(
    (phase) => phase.server.name === 'Beacon' && (phase.cpu.descendants ?? 0) < 0.01,
  );
  if (external) console.log('  (postgres ≈ 0: the database is not a child of Beacon, e.g. DATABASE_URL)');
  if (phases.some((phase) => phase.server.name === 'floor')) {
    console.log("  (the floor server writes to Beacon's database: its PostgreSQL time shows under other)");
  }
}

function printWriter(phases: Phase[]) {
  const withWriter = phases.filter((phase) => phase.writer !== undefined);
  if (withWriter.length === 0) return;
  console.log('\ngroup-commit writer (from /metrics):');
  for (const phase of withWriter) {
    const writer = phase.writer!;
    console.log(
      `  ${phase.title.padEnd(34)} ${fmt(writer.rowsWritten)} rows in ${fmt(writer.batches)} commits ` +
        `(${fmt(writer.rowsWritten / Math.max(1, writer.batches), 1)} rows/commit), ` +
        `${fmt(writer.rejectedFull)} refused when full, ${fmt(writer.failedBatches)} failed commits`,
    );
  }
}

function printTargets({ bare, single, floor, paced: rated, batch }: Measured) {
  const bareRps = okPerSecond(bare);
  const singleRps = okPerSecond(single);
  const floorRps = okPerSecond(floor);
  const ratedRps = okPerSecond(rated);
  const batchEvents = okPerSecond(batch, (status) => status === 201) * BATCH_SIZE;
  const ratio = singleRps / bareRps;
  const p99 = rated.load.latency.p99;
  const mark = (met: boolean) => (met ? 'met    ' : 'NOT MET');
  console.log('\ntargets (ratios against the bare baseline of this same run):');
  console.log(
    `  ${mark(ratio >= TARGETS.singleVsBare)}  single events / bare = ${fmt(singleRps)} / ${fmt(bareRps)} ` +
      `= ${fmt(ratio * 100, 1)} %   (target ≥ ${TARGETS.singleVsBare * 100} %)`,
  );
  const keptUp = ratedRps >= TARGETS.offeredRate * 0.95;
  console.log(
    `  ${mark(p99 < TARGETS.p99AtRateMs && keptUp)}  p99 at ${TARGETS.offeredRate} req/s offered = ` +
      `${fmt(p99, 1)} ms at ${fmt(ratedRps)} req/s served   (target < ${TARGETS.p99AtRateMs} ms` +
      `${keptUp ? '' : '; Beacon did not keep up with the offered rate'})`,
  );
  console.log(
    `  ${mark(batchEvents >= TARGETS.batchEventsPerSecond)}  batches = ${fmt(batchEvents)} events/s ` +
      `(${fmt(batchEvents / bareRps, 2)}× the bare req/s)   (target ≥ ${fmt(TARGETS.batchEventsPerSecond)} events/s)`,
  );
  console.log(
    `  durable floor / bare = ${fmt((floorRps / bareRps) * 100, 1)} %, Beacon / floor = ` +
      `${fmt((singleRps / floorRps) * 100, 1)} %   (what durability costs, and what Beacon adds to it)`,
  );
}

function printCosts(title: string, costs: Cost[], events: number) {
  console.log(`\n  ${title}`);
  console.log(`  ${'ms'.padStart(8)} ${'share'.padStart(6)} ${'µs/event'.padStart(9)}  function / where`);
  for (const cost of costs) {
    console.log(
      `  ${fmt(cost.ms, 0).padStart(8)} ${`${fmt(cost.share * 100, 1)}%`.padStart(6)} ` +
        // A regular expression's label is its whole source (isbot's runs to kilobytes).
        `${fmt((cost.ms * 1000) / events, 1).padStart(9)}  ${cost.label.length > 110 ? `${cost.label.slice(0, 107)}...` : cost.label}`,
    );
  }
}

function printProfile(phase: Phase, profile: WindowProfile) {
  const events = countStatus(phase.load, (status) => status >= 200 && status < 300) * phase.eventsPerRequest;
  const busy = profile.sampledMs - profile.idleMs;
  console.log(
    `\nCPU profile of Beacon's main thread during "${phase.title}" (${fmt(profile.windowMs / 1000, 1)} s, ` +
      `${fmt(events)} events): busy ${fmt(busy)} ms = ${fmt((busy * 1000) / events, 1)} µs/event, ` +
      `idle ${fmt((profile.idleMs / profile.sampledMs) * 100, 1)} %`,
  );
  printCosts('top functions by self time', profile.selfByFunction, events);
  printCosts('self time by package / file', profile.selfByModule, events);
  printCosts(
    'self time by package / file, Node core and V8 builtins charged to their caller',
    profile.chargedByModule,
    events,
  );
  printCosts(
    "Beacon's own functions (src/) by total time, callees included",
    profile.totalBySourceFunction,
    events,
  );
}

/** Runs the floor server (bench/floor-server.ts) only for its own phase, so it takes no CPU otherwise. */
async function measureFloor(dataDir: string, siteId: string, run: (floor: Server) => Promise<Phase>) {
  const floor = await startFloor(dataDir, siteId);
  try {
    return await run(floor);
  } finally {
    await stopServer(floor);
  }
}

// ---------------------------------------------------------------------------------------------
// The run

async function main() {
  const temp = await fs.mkdtemp(path.join(os.tmpdir(), 'beacon-bench-'));
  const dataDir = path.join(temp, 'data');
  const profileDir = path.join(temp, 'profile');
  await fs.mkdir(dataDir);
  await fs.mkdir(profileDir);
  // As root the embedded PostgreSQL runs as the postgres user, which must be able to reach its dir.
  if (process.getuid?.() === 0) {
    await fs.chmod(temp, 0o755);
    await fs.chmod(dataDir, 0o755);
  }
  // Unique per run: against a DATABASE_URL that outlives runs, an earlier run's admin (with another
  // password) would otherwise stand in the way.
  const runId = randomBytes(6).toString('hex');
  const admin = { email: `bench-${runId}@bench.example`, password: randomBytes(12).toString('base64url') };
  let bare: Server | undefined;
  let beacon: Server | undefined;

  const cleanup = async () => {
    await stopAllStarted();
    await stopOrphanedPostgres(dataDir);
    await fs.rm(temp, { recursive: true, force: true });
  };
  const guard = guardBenchRun({ name: 'bench', deadlineMs: RUN_DEADLINE_MS, cleanup, dataDir, temp });

  try {
    console.log(
      `Beacon ingestion bench: ${cores} cores, Node ${process.version}, ${sourceVersion()}, ` +
        `database ${process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded PostgreSQL (fresh data dir)'}` +
        `${flags.profile ? ', CPU profile on' : ''}`,
    );
    const startedAt = performance.now();
    // Started side by side to save time; each is kept as soon as it is up, so a failure of the other
    // still finds it to stop.
    const [bareUp, beaconUp] = await Promise.allSettled([
      startBare().then((server) => (bare = server)),
      startBeacon({ dataDir, admin, cpuProfileDir: flags.profile ? profileDir : undefined }).then(
        (server) => (beacon = server),
      ),
    ]);
    for (const outcome of [bareUp, beaconUp]) if (outcome.status === 'rejected') throw outcome.reason;
    if (bare === undefined || beacon === undefined) throw new Error('a server did not start');
    console.log(`servers up in ${fmt((performance.now() - startedAt) / 1000, 1)} s`);

    const login = await postJson(beacon.base, '/api/auth/login', admin);
    const token = login.accessToken as string;
    const site = await postJson(
      beacon.base,
      '/api/sites',
      { name: 'Bench', domain: BENCH_DOMAIN },
      { authorization: `Bearer ${token}` },
    );
    const traffic = createTraffic(site.siteKey as string);
    await sanityCheck(bare, beacon, traffic);
    console.log(`traffic: ${traffic.describe()}\n`);

    const event = (server: Server) => `${server.base}/api/track/event`;
    const eventRequest = () => traffic.eventRequest();
    const maxLoad = (server: Server) => ({
      url: event(server),
      connections: 50,
      durationSeconds,
      makeRequest: eventRequest,
    });
    const rated = { ...maxLoad(beacon), overallRate: TARGETS.offeredRate };
    const measured: Measured = {
      bare: await measure('1 bare Fastify POST → 201', bare, maxLoad(bare), 1),
      single: await measure('2 Beacon /api/track/event', beacon, maxLoad(beacon), 1),
      floor: await measureFloor(dataDir, site.id as string, (floor) =>
        measure('2f durable floor (bare + COPY)', floor, maxLoad(floor), 1),
      ),
      // Visitors do not wait for each other: the open loop may open as many sockets as the backlog
      // needs, else a cap of 50 would turn it back into a closed loop that hides queueing.
      paced: await measure(
        '3 Beacon event, paced open loop',
        beacon,
        { ...rated, connections: PACED_MAX_SOCKETS },
        1,
        (options) => runPaced({ ...options, overallRate: TARGETS.offeredRate }),
      ),
      autocannonRate: await measure('3b Beacon event, autocannon rate', beacon, rated, 1),
      batch: await measure(
        `4 Beacon /api/track/batch ×${BATCH_SIZE}`,
        beacon,
        {
          url: `${beacon.base}/api/track/batch`,
          connections: 10,
          durationSeconds,
          makeRequest: () => traffic.batchRequest(BATCH_SIZE),
        },
        BATCH_SIZE,
      ),
    };
    const phases = Object.values(measured);

    printResults(phases);
    printCpu(phases);
    printWriter(phases);
    printTargets(measured);
    await printStored(beacon, site.id as string, token);

    if (flags.profile) {
      // V8 writes the profile when the process exits cleanly, which Beacon does on SIGTERM.
      const how = await stopServer(beacon);
      const file = findProfile(profileDir, beacon.pid);
      if (file === undefined) {
        console.log(`\nno CPU profile was written (Beacon ${how})`);
      } else {
        // Kept for a closer look (Chrome DevTools → Performance → Load profile, or speedscope).
        const kept = path.join(
          os.tmpdir(),
          `beacon-bench-${new Date().toISOString().replace(/[:.]/g, '')}.cpuprofile`,
        );
        await fs.copyFile(file, kept);
        const bounds = profileBounds(file);
        // The single-event phase at full load, and the batch phase to compare the cost per event.
        for (const phase of [measured.single, measured.batch]) {
          const [fromUs, toUs] = phase.windowUs;
          if (fromUs < bounds.startUs || toUs > bounds.endUs) {
            console.log(`\nthe profile does not cover "${phase.title}"; its clock differs from ours`);
            continue;
          }
          printProfile(phase, analyseProfile(file, fromUs, toUs));
        }
        console.log(
          '\n(V8 samples wall time: a thread preempted in a syscall that woke another process, e.g. writev\n' +
            ' to PostgreSQL, is charged to that syscall, so writev reads as the cost of a round trip)',
        );
        console.log(`the whole profile is kept in ${kept}`);
        console.log(
          '(figures of a profiled run include the profiler overhead: judge targets on a normal run)',
        );
      }
    }
    await stopServer(beacon);
    beacon = await startBeacon({ dataDir, admin, env: { GEOIP_DB: 'none' } });
    await compareEnrichmentOff(measured.single, beacon, traffic);
    await stopServer(beacon);
    const ga4 = await startFakeGa4();
    try {
      beacon = await startBeacon({ dataDir, admin, env: { GA4_URL: ga4.url } });
      await compareForwarding(beacon, admin, site.id as string, traffic, ga4);
    } finally {
      await ga4.close();
    }
    printEnrichmentBench(await runEnrichmentBench());
    console.log(`\ntotal ${fmt((performance.now() - startedAt) / 1000, 0)} s`);
  } catch (error) {
    process.exitCode = 1;
    console.error('\nbench failed:', error instanceof Error ? error.message : error);
    for (const server of [bare, beacon]) {
      if (server) console.error(`--- last output of ${server.name} ---\n${server.output().slice(-4000)}`);
    }
  } finally {
    await cleanup();
    guard.finished();
  }
}

/**
 * Ingestion with IP enrichment (the bundled offline data, as the embedded default runs) against the
 * same Beacon restarted with GEOIP_DB=none, on the same database and traffic.
 */
async function compareEnrichmentOff(withEnrichment: Phase, beacon: Server, traffic: Traffic) {
  const off = await measure(
    '5 Beacon /api/track/event, enrichment off',
    beacon,
    {
      url: `${beacon.base}/api/track/event`,
      connections: 50,
      durationSeconds,
      makeRequest: () => traffic.eventRequest(),
    },
    1,
  );
  const on = okPerSecond(withEnrichment);
  const without = okPerSecond(off);
  console.log(
    `\nenrichment on / off (single events, same run): ${fmt(on)} / ${fmt(without)} req/s = ${fmt((on / without) * 100, 1)} %`,
  );
}

/**
 * Server-side forwarding: ingestion on one Beacon without destinations, then with a GA4 destination
 * that takes every page view and event (its deliveries committed with the events), and how fast the
 * delivery engine forwards them to the GA4 fake, during the load and draining the backlog after it.
 */
async function compareForwarding(
  beacon: Server,
  admin: { email: string; password: string },
  siteId: string,
  traffic: Traffic,
  ga4: FakeGa4,
) {
  const load = {
    url: `${beacon.base}/api/track/event`,
    connections: 50,
    durationSeconds,
    makeRequest: () => traffic.eventRequest(),
  };
  const without = await measure('6 Beacon /api/track/event, no destination', beacon, load, 1);
  const token = (await postJson(beacon.base, '/api/auth/login', admin)).accessToken as string;
  await postJson(
    beacon.base,
    `/api/sites/${siteId}/destinations`,
    { type: 'ga4', config: { measurementId: FAKE_GA4_MEASUREMENT_ID, apiSecret: FAKE_GA4_API_SECRET } },
    { authorization: `Bearer ${token}` },
  );
  const before = ga4.events.length;
  const startedAt = performance.now();
  const withGa4 = await measure('6d Beacon /api/track/event, GA4 destination', beacon, load, 1);
  const loadSeconds = (performance.now() - startedAt) / 1000;
  const atStop = ga4.events.length;
  // The backlog drains; it is over when nothing more arrives for two seconds.
  let last = atStop;
  let lastIncrease = performance.now();
  while (performance.now() - lastIncrease < 2000 && performance.now() - startedAt < 120_000) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (ga4.events.length > last) {
      last = ga4.events.length;
      lastIncrease = performance.now();
    }
  }
  const drainSeconds = (lastIncrease - startedAt) / 1000 - loadSeconds;
  // The cost of the outbox alone: deliveries committed with the events while GA4 does not answer,
  // so the engine waits on its first claims instead of sending.
  ga4.setMode('hang');
  const queuedOnly = await measure(
    '6q Beacon /api/track/event, GA4 destination not answering',
    beacon,
    load,
    1,
  );
  ga4.setMode('normal');
  const ratio = okPerSecond(withGa4) / okPerSecond(without);
  console.log(
    `\nforwarding to GA4 (fake on loopback, checking every request as GA4 does):\n` +
      `  ingestion with / without a GA4 destination   ${fmt(okPerSecond(withGa4))} / ${fmt(okPerSecond(without))} req/s = ${fmt(ratio * 100, 1)} %   (goal ≥ 90 %)\n` +
      `  … deliveries only queued (GA4 not answering) ${fmt(okPerSecond(queuedOnly))} / ${fmt(okPerSecond(without))} req/s = ${fmt((okPerSecond(queuedOnly) / okPerSecond(without)) * 100, 1)} %   (the outbox's own cost)\n` +
      `  forwarded during the load                    ${fmt((atStop - before) / loadSeconds)} events/s\n` +
      `  backlog after the load                       ${fmt(last - atStop)} events, drained at ${fmt(drainSeconds > 0 ? (last - atStop) / drainSeconds : 0)} events/s\n` +
      `  forwarded in all                             ${fmt(last - before)} events in ${fmt(loadSeconds + Math.max(0, drainSeconds), 1)} s = ${fmt((last - before) / (loadSeconds + Math.max(0, drainSeconds)))} events/s   (goal ≥ 3,000)\n` +
      `  requests GA4 would refuse                    ${ga4.violations.length}`,
  );
}

/** Which code was measured: others edit src/ while benches run, so a commit alone may not say. */
function sourceVersion(): string {
  try {
    const git = (args: string[]) => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).trim();
    const changed = git(['status', '--porcelain', '--', 'src']).split('\n').filter(Boolean).length;
    return `commit ${git(['rev-parse', '--short', 'HEAD'])}${changed ? ` + ${changed} changed files in src/` : ''}`;
  } catch {
    return 'not a git checkout';
  }
}

async function postJson(base: string, url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(base + url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`POST ${url} answered ${response.status}: ${JSON.stringify(json)}`);
  return json;
}

/** One request of each kind before any load: a misconfigured run must fail loudly, not bench 4xx. */
async function sanityCheck(bare: Server, beacon: Server, traffic: Traffic) {
  for (const [server, url, request] of [
    [bare, '/api/track/event', traffic.eventRequest()],
    [beacon, '/api/track/event', traffic.eventRequest()],
    [beacon, '/api/track/batch', traffic.batchRequest(BATCH_SIZE)],
  ] as const) {
    const response = await fetch(server.base + url, { method: 'POST', ...request });
    if (response.status !== 201) {
      throw new Error(`${server.name} ${url} answered ${response.status}: ${await response.text()}`);
    }
  }
}

/** The writer's side: what ended up stored, read back through the API like a dashboard would. */
async function printStored(beacon: Server, siteId: string, token: string) {
  const response = await fetch(`${beacon.base}/api/sites/${siteId}/events?limit=1`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (!response.ok) {
    console.log(`\nstored events: GET /api/sites/:id/events answered ${response.status}`);
    return;
  }
  const { events } = (await response.json()) as { events: Array<Record<string, unknown>> };
  const latest = events[0];
  if (latest === undefined) {
    console.log('\nstored events: NONE (the 201s were not backed by rows)');
    return;
  }
  const fields = ['type', 'path', 'browserName', 'deviceType', 'referrerType', 'visitorId', 'sessionId'];
  console.log(
    `\nstored events: newest is ${fields.map((field) => `${field}=${String(latest[field])}`).join(' ')}`,
  );
}

// `npm run bench | head` closes the pipe early; the run must still stop its servers, not crash.
process.stdout.on('error', () => undefined);
if (flags.reports) {
  const reportOptions = {
    events: Number(flags.events),
    runs: Number(flags.runs),
    ingestSeconds: Number(flags['ingest-seconds']),
  };
  if (
    !(reportOptions.events >= 10_000 && reportOptions.runs >= 3 && reportOptions.ingestSeconds >= 3) ||
    !Object.values(reportOptions).every(Number.isInteger)
  ) {
    console.error('--events is at least 10000, --runs at least 3, --ingest-seconds at least 3 (integers)');
    process.exit(2);
  }
  await runReportsBench(reportOptions);
} else {
  await main();
}
