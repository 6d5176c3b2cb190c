/**
 * Memory held by processes, containers and the kernel of this machine, read from /proc and the
 * cgroup file system (Linux): what a benchmark divides by the workspaces it made to say what one
 * costs. Processes count by their proportional set size (Pss), so the pages many containerd shims
 * share (one binary, one set of libraries) are split among them rather than counted once each.
 */
import { readFileSync } from 'node:fs';
import { processesMatching } from './cpu.js';

/** `name: <n> kB` of a /proc file holding such lines, in bytes; null when it is absent. */
function kilobytesField(text: string, name: string): number | null {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(text);
  return match === null ? null : Number(match[1]) * 1024;
}

/** Pss of `pid` in bytes, or its RSS where smaps is not ours to read; 0 once it has ended. */
export function pssOf(pid: number): number {
  try {
    return kilobytesField(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'), 'Pss') ?? 0;
  } catch {
    try {
      return kilobytesField(readFileSync(`/proc/${pid}/status`, 'utf8'), 'VmRSS') ?? 0;
    } catch {
      return 0; // ended while we looked
    }
  }
}

/** Summed Pss of `pids`. */
export const pssOfAll = (pids: Iterable<number>): number => [...pids].reduce((sum, pid) => sum + pssOf(pid), 0);

/** The processes whose executable is `name` (dockerd, containerd), by their command line's first word. */
export function processesNamed(name: string): number[] {
  return processesMatching((line) => line.split(' ')[0]!.split('/').at(-1) === name);
}

/** The containerd shims serving `containerIds` (full ids): one per container, named in its command line. */
export function shimsOf(containerIds: readonly string[]): number[] {
  const ids = new Set(containerIds);
  return processesMatching((line) => {
    if (!line.includes('containerd-shim')) return false;
    const id = /-id ([0-9a-f]{64})/.exec(line)?.[1];
    return id !== undefined && ids.has(id);
  });
}

/**
 * What a container's cgroup charges it (its processes' memory and the page cache they caused), in
 * bytes: cgroup v1 `memory.usage_in_bytes`, or v2 `memory.current` under either cgroup driver's path.
 * Null when none of them exists (another layout).
 */
export function containerMemory(id: string): number | null {
  for (const path of [
    `/sys/fs/cgroup/memory/docker/${id}/memory.usage_in_bytes`,
    `/sys/fs/cgroup/system.slice/docker-${id}.scope/memory.current`,
    `/sys/fs/cgroup/docker/${id}/memory.current`,
  ]) {
    try {
      return Number(readFileSync(path, 'utf8').trim());
    } catch {
      // not this layout
    }
  }
  return null;
}

/** The machine's memory in use (MemTotal − MemAvailable) and the kernel's slab, in bytes. */
export function systemMemory(): { used: number; slab: number } {
  const meminfo = readFileSync('/proc/meminfo', 'utf8');
  const field = (name: string) => kilobytesField(meminfo, name) ?? 0;
  return { used: field('MemTotal') - field('MemAvailable'), slab: field('Slab') };
}
