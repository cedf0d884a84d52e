/**
 * The whole machine's CPU over a window, by process group, read from /proc
 * (Linux): the server's workers are only part of what a send costs; the
 * database, Redis, the load balancer and the load generator share the same
 * cores, and their share says where a throughput ceiling comes from.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Command name, CPU clock ticks (user + system) and minor page faults of every process, by pid. */
export type CpuSnapshot = Map<number, ProcessStat>;

interface ProcessStat {
  comm: string;
  ticks: number;
  /** Pages the kernel mapped on first touch: each costs a trap, several-fold dearer on some VMs (machine-calibration.ts). */
  minorFaults: number;
}

/** What a group of processes used over a window. */
export interface GroupUse {
  seconds: number;
  minorFaults: number;
}

/** Linux's USER_HZ: /proc reports CPU time in 1/100 s. */
const TICKS_PER_SECOND = 100;

/** A process's command name, CPU clock ticks (user + system) and minor faults, or undefined once it has exited. */
function readStat(pid: number): ProcessStat | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may itself hold spaces or parentheses.
  const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { comm, ticks: Number(fields[11]) + Number(fields[12]), minorFaults: Number(fields[7]) };
}

/** CPU seconds (user + system) a process has used so far (0 once it has exited). */
export function cpuSeconds(pid: number): number {
  return (readStat(pid)?.ticks ?? 0) / TICKS_PER_SECOND;
}

export function snapshotCpu(): CpuSnapshot {
  const out: CpuSnapshot = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat) out.set(Number(entry), stat);
  }
  return out;
}

/**
 * CPU seconds and minor faults each group used between two snapshots; `groupOf` names a process's
 * group (processes started in between count from zero, those that ended are lost).
 */
export function cpuByGroup(before: CpuSnapshot, after: CpuSnapshot, groupOf: (pid: number, comm: string) => string): Map<string, GroupUse> {
  const groups = new Map<string, GroupUse>();
  for (const [pid, { comm, ticks, minorFaults }] of after) {
    const used = (ticks - (before.get(pid)?.ticks ?? 0)) / TICKS_PER_SECOND;
    if (used <= 0) continue;
    const group = groupOf(pid, comm);
    const total = groups.get(group) ?? { seconds: 0, minorFaults: 0 };
    total.seconds += used;
    total.minorFaults += minorFaults - (before.get(pid)?.minorFaults ?? 0);
    groups.set(group, total);
  }
  return groups;
}
