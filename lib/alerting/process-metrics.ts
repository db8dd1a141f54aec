/**
 * Process CPU and memory as percentages, for alert rules. CPU is CPU time over wall time since
 * the previous sample, divided by the CPUs available to the process (a cgroup CPU quota when
 * there is one, otherwise `os.availableParallelism()`). Memory is RSS over the memory available
 * (the cgroup limit when there is one, otherwise total RAM).
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';

/** One sample of process metrics. */
export interface ProcessMetrics {
  /** CPU used since the previous sample, % of the CPUs available to the process (0–100). */
  cpu: number;
  /** Resident memory, % of the memory available to the process (0–100). */
  memory: number;
  /** CPUs the percentage is relative to (cgroup quota or logical CPUs). */
  cpuCores: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** Memory the percentage is relative to (cgroup limit or total RAM). */
  memoryLimitBytes: number;
}

function cgroupCpuQuota(): number | undefined {
  try {
    // cgroup v2: "max 100000" (no quota) or "<quota> <period>"
    const [quota, period] = readFileSync('/sys/fs/cgroup/cpu.max', 'utf8').trim().split(/\s+/);
    const q = Number(quota);
    const p = Number(period);
    return quota !== 'max' && q > 0 && p > 0 ? q / p : undefined;
  } catch {
    return undefined;
  }
}

function memoryLimit(): number {
  const total = totalmem();
  const constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : undefined;
  return constrained && constrained > 0 && constrained < total ? constrained : total;
}

const round = (n: number) => Math.round(n * 100) / 100;

/**
 * A sampler with its own baseline: each call reports CPU since its previous call (the first
 * call: since process start). Use one per consumer so consumers do not steal each other's deltas.
 *
 * @example
 * ```ts
 * const sample = createProcessSampler(); setInterval(() => console.log(sample().cpu), 5000).unref()
 * ```
 */
export function createProcessSampler(): () => ProcessMetrics {
  const cores = Math.max(Math.min(cgroupCpuQuota() ?? Number.POSITIVE_INFINITY, availableParallelism()), 0.01);
  const limit = memoryLimit();
  let lastCpu = process.cpuUsage();
  let lastWall = process.hrtime.bigint();
  let first = true;
  return function sampleProcessMetrics(): ProcessMetrics {
    const cpu = process.cpuUsage();
    const wall = process.hrtime.bigint();
    let usedMicros: number;
    let wallMicros: number;
    if (first) {
      usedMicros = cpu.user + cpu.system;
      wallMicros = process.uptime() * 1e6;
      first = false;
    } else {
      usedMicros = cpu.user - lastCpu.user + (cpu.system - lastCpu.system);
      wallMicros = Number(wall - lastWall) / 1000;
    }
    lastCpu = cpu;
    lastWall = wall;
    const memory = process.memoryUsage();
    const cpuPercent = wallMicros > 0 ? Math.min(100, Math.max(0, (usedMicros / wallMicros / cores) * 100)) : 0;
    return {
      cpu: round(cpuPercent),
      memory: round(Math.min(100, (memory.rss / limit) * 100)),
      cpuCores: cores,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      memoryLimitBytes: limit,
    };
  };
}

let shared: (() => ProcessMetrics) | undefined;

/**
 * CPU % (since the previous call of this function) and memory % of this process.
 *
 * @example
 * ```ts
 * await alerts.evaluate({ ...collectProcessMetrics(), errorRate })
 * ```
 */
export function collectProcessMetrics(): ProcessMetrics {
  shared ??= createProcessSampler();
  return shared();
}
