/**
 * One measurement of bench/http: a fresh server process (pinned to CPU 0 when possible), a
 * warm-up run, then a measured autocannon run with the server's own CPU time read over IPC
 * before and after. Every response must have the variant's status, or the sample is refused.
 */
import autocannon from 'autocannon';
import { serverCpuMicros, startChildServer, stopChildServer } from '../support/child-server.js';

export interface Sample {
  rps: number;
  p50: number;
  p99: number;
  /** Server CPU (user + system) per response, µs. */
  cpuUs: number;
  responses: number;
}

export interface LoadPlan {
  /** Server kind (see bench/http/server.ts). */
  kind: string;
  env: NodeJS.ProcessEnv;
  requests: autocannon.Request[];
  connections: number;
  durationS: number;
  warmupS: number;
  /** The status every response must have. */
  status: number;
  /** Offered load, requests/s over all connections; 0 = as fast as the server answers. */
  rate: number;
  /** Pin the server to CPU 0 (see bench/support/child-server.ts). */
  pin: boolean;
}

const SERVER_SCRIPT = 'bench/http/server.ts';

function responsesOf(result: autocannon.Result): number {
  return result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'];
}

function wrongStatuses(result: autocannon.Result, status: number): number {
  const matching = result.statusCodeStats?.[String(status) as `${number}`]?.count ?? 0;
  return responsesOf(result) - matching;
}

export async function measure(plan: LoadPlan): Promise<Sample> {
  const { child, port } = await startChildServer(SERVER_SCRIPT, plan.kind, plan.env, { pin: plan.pin, ipc: true });
  try {
    const run = (durationS: number) => autocannon({ url: `http://127.0.0.1:${port}`, connections: plan.connections, duration: durationS, requests: plan.requests, ...(plan.rate > 0 ? { overallRate: plan.rate } : {}) });
    // warm-up: JIT, keep-alive connections, Redis scripts loaded
    if (plan.warmupS > 0) await run(plan.warmupS);
    const cpuBefore = await serverCpuMicros(child);
    const result = await run(plan.durationS);
    const cpuAfter = await serverCpuMicros(child);
    const responses = responsesOf(result);
    const wrong = wrongStatuses(result, plan.status);
    if (wrong > 0) throw new Error(`${plan.kind}: ${wrong} of ${responses} responses were not ${plan.status}`);
    // A timeout or two on an overloaded host is noise; more means the variant is broken.
    if (result.errors > responses / 100) throw new Error(`${plan.kind}: ${result.errors} connection errors/timeouts for ${responses} responses`);
    return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, cpuUs: (cpuAfter - cpuBefore) / Math.max(1, responses), responses };
  } finally {
    await stopChildServer(child);
  }
}

export const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
