// CPU time of child processes (workerd under Miniflare), read from Linux /proc: what bench/run.mjs and
// bench/versus.mjs time workerd by (its in-isolate clock steps in milliseconds).
import { readdirSync, readFileSync } from "node:fs";

/** Pids of this process's children running `command` (Linux /proc; empty elsewhere). */
export function childPids(command) {
  try {
    return readdirSync("/proc").filter((pid) => {
      if (!/^\d+$/.test(pid)) return false;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return stat.includes(`(${command})`) && Number(fields[1]) === process.pid;
      } catch {
        return false; // the process ended meanwhile
      }
    });
  } catch {
    return [];
  }
}

/** A clock of the CPU time (ms) the processes used, all threads (ns-resolution schedstat), if readable. */
export function processCpuMs(pids) {
  if (!pids.length) return undefined;
  return () => {
    let ns = 0;
    for (const pid of pids) {
      for (const tid of readdirSync(`/proc/${pid}/task`))
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    }
    return ns / 1e6;
  };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}
