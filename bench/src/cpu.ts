/**
 * CPU time spent by processes of this machine, read from /proc (Linux): what a benchmark divides by
 * its requests to say what one request costs each process, beside its latency. The Postgres server
 * has no pg_stat_statements loaded (`SHOW shared_preload_libraries`), so its CPU is read per process.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second, the unit of utime and stime in /proc/<pid>/stat. */
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
const MICROS_PER_TICK = 1e6 / TICKS_PER_SECOND;

/** Some processes, named for the report; `read` gives the CPU µs each has used so far, by pid. */
export interface CpuProbe {
  readonly label: string;
  read(): Map<number, number>;
}

/** utime + stime of `pid` in µs, or null once it has ended. */
function cpuMicrosOf(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces and parentheses: the fields are counted after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * MICROS_PER_TICK; // fields 14 and 15 of proc(5)
}

function readAll(pids: Iterable<number>): Map<number, number> {
  const used = new Map<number, number>();
  for (const pid of pids) {
    const micros = cpuMicrosOf(pid);
    if (micros !== null) used.set(pid, micros);
  }
  return used;
}

/** One process: a service or a baseline the benchmark started, or the benchmark itself. */
export function processCpu(label: string, pid: number): CpuProbe {
  return { label, read: () => readAll([pid]) };
}

/** Every running process whose command line `matches`. */
export function processesMatching(matches: (commandLine: string) => boolean): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        return matches(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
      } catch {
        return false; // ended while we looked
      }
    });
}

const POSTGRES = /^(\/\S+\/)?postgres[: ]/;

/**
 * Postgres processes: with `database`, the backends serving that database alone (their title names
 * it: `postgres: 15/main: postgres <database> 127.0.0.1(…) idle`), which is the share a side can be
 * charged for on a server others use too; without, every process of the server (postmaster, WAL
 * writer, checkpointer and all backends, whoever they serve).
 */
export function postgresCpu(label: string, database?: string): CpuProbe {
  const matches = database
    ? (line: string) => POSTGRES.test(line) && line.includes(` ${database} `)
    : (line: string) => POSTGRES.test(line);
  return { label, read: () => readAll(processesMatching(matches)) };
}

/**
 * The nats-server listening on `url`'s port (a benchmark's own, `startNats`): every message a request
 * causes (the request, its reply, what the service publishes meanwhile) costs it CPU, so a side that
 * sends more messages per request is charged for them here.
 */
export function natsServerCpu(label: string, url: string): CpuProbe {
  const port = ` -p ${new URL(url).port} `;
  return { label, read: () => readAll(processesMatching((line) => /nats-server /.test(line) && line.includes(port))) };
}

/**
 * CPU µs used between two reads of one probe. A process that started in between counts from zero; one
 * that ended in between is lost (its last CPU cannot be read), so a pool that churns connections reads low.
 */
export function cpuSpent(before: Map<number, number>, after: Map<number, number>): number {
  let spent = 0;
  for (const [pid, micros] of after) spent += micros - (before.get(pid) ?? 0);
  return spent;
}
