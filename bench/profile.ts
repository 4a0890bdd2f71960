import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './processes.ts';
import { createSourcePositions } from './source-map.ts';

/**
 * Reads a V8 .cpuprofile (what `node --cpu-prof` writes) and answers "where does the CPU go per
 * event" for a time window of it: the profile spans the whole process, start-up included, and only
 * the load phase we measured is of interest.
 *
 * V8 samples on wall-clock ticks: while the thread is preempted, time accrues to whatever frame it
 * was in. On a busy machine that is mostly a syscall that woke another process (writev to a loopback
 * socket hands the CPU to PostgreSQL or the load generator), so such frames read as a round trip's
 * cost rather than as their own CPU.
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Cost {
  /** A function with its file and line, a package, a file of src/, or a V8 pseudo-frame. */
  label: string;
  ms: number;
  share: number;
}

export interface WindowProfile {
  windowMs: number;
  sampledMs: number;
  /** Time the main thread waited in the event loop: the (idle) samples. */
  idleMs: number;
  selfByFunction: Cost[];
  selfByModule: Cost[];
  /**
   * Self time with Node's core and V8 builtins charged to the package or file that called them:
   * the socket writes pg causes count for pg, randomBytes for the id generator that asks for it.
   */
  chargedByModule: Cost[];
  /** Inclusive time of Beacon's own functions (src/), so a step's whole cost shows, callees and all. */
  totalBySourceFunction: Cost[];
}

/**
 * The main thread's profile of process `pid` (CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile):
 * a worker thread, if any, writes a profile of its own.
 */
export function findProfile(dir: string, pid: number): string | undefined {
  const name = fs.readdirSync(dir).find((file) => {
    const parts = file.split('.');
    return file.endsWith('.cpuprofile') && parts[3] === String(pid) && parts[4] === '0';
  });
  return name === undefined ? undefined : path.join(dir, name);
}

function shortUrl(url: string): string {
  if (url === '') return '';
  let file = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  const modules = file.lastIndexOf('/node_modules/');
  if (modules >= 0) return file.slice(modules + '/node_modules/'.length);
  if (file.startsWith(repoRoot + path.sep)) file = path.relative(repoRoot, file);
  return file;
}

const NATIVE = '(native / V8 builtins)';
const CORE = 'node: (core, incl. http & net)';

/** The unit a reader can act on: a package, a Node built-in, a Beacon file, or V8 itself. */
function moduleOf(url: string, functionName: string): string {
  const short = shortUrl(url);
  if (short === '') return functionName.startsWith('(') ? functionName : NATIVE;
  if (short.startsWith('node:')) return CORE;
  if (url.includes('/node_modules/')) {
    const parts = short.split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  return short;
}

const original = createSourcePositions();

/** The frame as a reader knows it: for Beacon's bundle (dist/main.js), its TypeScript file and line. */
function sourceFrame(frame: CallFrame): CallFrame {
  if (!frame.url.startsWith('file://') || frame.url.includes('/node_modules/')) return frame;
  const position = original(new URL(frame.url).pathname, frame.lineNumber, frame.columnNumber);
  if (position === undefined) return frame;
  return { ...frame, url: pathToFileURL(position.file).href, lineNumber: position.line };
}

function frameLabel(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)';
  const short = shortUrl(frame.url);
  return short === '' ? name : `${name}  ${short}:${frame.lineNumber + 1}`;
}

const top = (map: Map<string, number>, limit: number, denominator: number): Cost[] =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([label, ms]) => ({ label, ms, share: ms / denominator }));

/**
 * Aggregates samples whose timestamps fall in [fromUs, toUs] — V8 stamps samples with the same
 * monotonic clock as process.hrtime, so a window measured in the bench process selects the phase.
 */
export function analyseProfile(file: string, fromUs: number, toUs: number, limit = 15): WindowProfile {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  // Labels are asked for every frame of every sample; each node is worked out once.
  const info = new Map<number, { label: string; module: string; ownCode: boolean }>();
  const describe = (id: number) => {
    let known = info.get(id);
    if (known === undefined) {
      const frame = sourceFrame(byId.get(id)!.callFrame);
      known = {
        label: frameLabel(frame),
        module: moduleOf(frame.url, frame.functionName),
        ownCode: shortUrl(frame.url).startsWith('src/'),
      };
      info.set(id, known);
    }
    return known;
  };

  const self = new Map<string, number>();
  const modules = new Map<string, number>();
  const charged = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, ms: number) => map.set(key, (map.get(key) ?? 0) + ms);

  let time = profile.startTime;
  let sampledMs = 0;
  let idleMs = 0;
  for (let index = 0; index < profile.samples.length; index++) {
    time += profile.timeDeltas[index] ?? 0;
    if (time < fromUs || time > toUs) continue;
    // A sample stands for the interval up to the next one.
    const ms = (profile.timeDeltas[index + 1] ?? 0) / 1000;
    const id = profile.samples[index]!;
    if (!byId.has(id)) continue;
    sampledMs += ms;
    if (byId.get(id)!.callFrame.functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    const leaf = describe(id);
    add(self, leaf.label, ms);
    add(modules, leaf.module, ms);
    let payer: string | undefined =
      leaf.module.startsWith('(') && leaf.module !== NATIVE ? leaf.module : undefined;
    // Inclusive figures count a sample once per function, however deep the recursion.
    const seenLabels = new Set<string>();
    for (let ancestor: number | undefined = id; ancestor !== undefined; ancestor = parent.get(ancestor)) {
      const { label, module, ownCode } = describe(ancestor);
      if (payer === undefined && module !== NATIVE && module !== CORE && !module.startsWith('('))
        payer = module;
      if (ownCode && !seenLabels.has(label)) {
        seenLabels.add(label);
        add(inclusive, label, ms);
      }
    }
    add(charged, payer ?? CORE, ms);
  }
  const busyMs = sampledMs - idleMs;
  return {
    windowMs: (toUs - fromUs) / 1000,
    sampledMs,
    idleMs,
    selfByFunction: top(self, limit, busyMs),
    selfByModule: top(modules, limit, busyMs),
    chargedByModule: top(charged, limit, busyMs),
    totalBySourceFunction: top(inclusive, limit, busyMs),
  };
}

export function profileBounds(file: string): { startUs: number; endUs: number } {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  return { startUs: profile.startTime, endUs: profile.endTime };
}
