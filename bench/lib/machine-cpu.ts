/**
 * The whole machine's CPU over a window, by process group, read from /proc
 * (Linux): the server's workers are only part of what a send costs; the
 * database, Redis, the load balancer and the load generator share the same
 * cores, and their share says where a throughput ceiling comes from.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** CPU clock ticks (user + system) and command name of every process, by pid. */
export type CpuSnapshot = Map<number, { comm: string; ticks: number }>;

/** Linux's USER_HZ: /proc reports CPU time in 1/100 s. */
const TICKS_PER_SECOND = 100;

/** A process's command name and CPU clock ticks (user + system), or undefined once it has exited. */
function readStat(pid: number): { comm: string; ticks: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may itself hold spaces or parentheses.
  const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { comm, ticks: Number(fields[11]) + Number(fields[12]) };
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
 * CPU seconds each group used between two snapshots; `groupOf` names a process's group
 * (processes started in between count from zero, those that ended are lost).
 */
export function cpuByGroup(before: CpuSnapshot, after: CpuSnapshot, groupOf: (pid: number, comm: string) => string): Map<string, number> {
  const groups = new Map<string, number>();
  for (const [pid, { comm, ticks }] of after) {
    const used = (ticks - (before.get(pid)?.ticks ?? 0)) / TICKS_PER_SECOND;
    if (used <= 0) continue;
    const group = groupOf(pid, comm);
    groups.set(group, (groups.get(group) ?? 0) + used);
  }
  return groups;
}
