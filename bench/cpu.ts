import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * CPU time per process group over a phase, from /proc (Linux only; elsewhere only the bench's own
 * figure is known). On two cores the load generator, Node and PostgreSQL compete for the same CPU,
 * so "who used it" explains a req/s figure better than the figure alone.
 */

export interface CpuSnapshot {
  atMs: number;
  /** CPU seconds of the server's own process. */
  server: number | undefined;
  /** CPU seconds of its descendants (the embedded PostgreSQL and its backends). */
  descendants: number | undefined;
  /** CPU seconds of this process: autocannon and the request generator. */
  bench: number;
  /** Machine-wide busy and total CPU seconds, all cores. */
  machineBusy: number | undefined;
  machineTotal: number | undefined;
}

export interface CpuUse {
  seconds: number;
  /** Average cores busy during the phase, per group. */
  server: number | undefined;
  descendants: number | undefined;
  bench: number;
  machine: number | undefined;
  /** Busy cores not explained by the three groups: other work on this shared machine. */
  other: number | undefined;
  cores: number;
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

interface ProcStat {
  pid: number;
  ppid: number;
  cpuTicks: number;
}

function readStat(pid: string): ProcStat | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name may contain spaces and parentheses; the fields after its closing one do not.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // After the name: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14). The children's
  // share holds what exited meanwhile: PostgreSQL's autovacuum workers come and go during a phase.
  const ticks = [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index]), 0);
  return { pid: Number(pid), ppid: Number(fields[1]), cpuTicks: ticks };
}

function processTreeTicks(rootPid: number): { root: number; descendants: number } | undefined {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  const stats = entries.map(readStat).filter((stat): stat is ProcStat => stat !== undefined);
  const root = stats.find((stat) => stat.pid === rootPid);
  if (root === undefined) return undefined;
  const children = new Map<number, ProcStat[]>();
  for (const stat of stats) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat]);
  let descendants = 0;
  const queue = [...(children.get(rootPid) ?? [])];
  while (queue.length > 0) {
    const stat = queue.pop()!;
    descendants += stat.cpuTicks;
    queue.push(...(children.get(stat.pid) ?? []));
  }
  return { root: root.cpuTicks, descendants };
}

function machineTicks(): { busy: number; total: number } | undefined {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const values = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = values.reduce((sum, value) => sum + value, 0);
    // idle and iowait are the two fields that are not work.
    const idle = (values[3] ?? 0) + (values[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

export function cpuSnapshot(serverPid: number): CpuSnapshot {
  const hz = clockTicks();
  const tree = processTreeTicks(serverPid);
  const machine = machineTicks();
  const own = process.cpuUsage();
  return {
    atMs: performance.now(),
    server: tree && tree.root / hz,
    descendants: tree && tree.descendants / hz,
    bench: (own.user + own.system) / 1e6,
    machineBusy: machine && machine.busy / hz,
    machineTotal: machine && machine.total / hz,
  };
}

export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot, cores: number): CpuUse {
  const seconds = (after.atMs - before.atMs) / 1000;
  const rate = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? undefined : Math.max(0, b - a) / seconds;
  const server = rate(before.server, after.server);
  const descendants = rate(before.descendants, after.descendants);
  const bench = rate(before.bench, after.bench)!;
  const busy = rate(before.machineBusy, after.machineBusy);
  const total = rate(before.machineTotal, after.machineTotal);
  // /proc/stat counts all cores; scale so that "machine" reads as cores busy, like the others.
  const machine =
    busy === undefined || total === undefined || total === 0 ? undefined : (busy / total) * cores;
  const other =
    machine === undefined ? undefined : Math.max(0, machine - (server ?? 0) - (descendants ?? 0) - bench);
  return { seconds, server, descendants, bench, machine, other, cores };
}
