/**
 * Finds the processes of one local cluster by an environment marker, so that nothing outlives it.
 *
 * A worker's engines run in process groups of their own (so that the worker can kill a whole engine),
 * which also means a kill -9 of the worker leaves them running, re-parented to init, where no
 * parent-child walk finds them. Every process the local cluster starts, and every engine its workers
 * start (through `--engine-env`), carries `CLUE_LOCAL_CLUSTER=<cluster id>/<member>` in its
 * environment; Linux shows a process's initial environment in /proc/PID/environ. Elsewhere (no /proc)
 * nothing is found and only the processes the cluster holds handles for are stopped.
 */
import { readdirSync, readFileSync } from 'node:fs';

export const MEMBER_ENV = 'CLUE_LOCAL_CLUSTER';

/** The environment entry of `member` of cluster `clusterId`. */
export function memberMarker(clusterId: string, member: string): string {
  return `${clusterId}/${member}`;
}

/** Process ids whose marker is `prefix` exactly, or starts with `prefix/` (a whole cluster). */
export function findMembers(prefix: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const exact = `${MEMBER_ENV}=${prefix}`;
  const out: number[] = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    let env: string;
    try {
      env = readFileSync(`/proc/${e}/environ`, 'latin1');
    } catch {
      continue; // gone, or not ours
    }
    for (const kv of env.split('\0')) {
      if (kv === exact || kv.startsWith(`${exact}/`)) {
        out.push(Number(e));
        break;
      }
    }
  }
  return out;
}

/** SIGKILLs every process of `prefix` (and the process group each leads); returns how many there were. */
export function killMembers(prefix: string): number {
  const pids = findMembers(prefix);
  for (const pid of pids) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // not a group leader, or already gone
      }
    }
  }
  return pids.length;
}
