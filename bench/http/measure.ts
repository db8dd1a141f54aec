/**
 * Measurements of bench/http. Every variant of a table (or of one budget layer) runs in its
 * own server process (pinned to CPU 0 when possible), all started together; after a warm-up
 * of each, the rounds alternate short autocannon runs between them, the server's own CPU time
 * read over IPC before and after each run. Variants measured seconds apart see the same host:
 * on a shared machine that is what makes their ratios and differences hold.
 * Every response must have the variant's status, or the run fails.
 */
import autocannon from 'autocannon';
import type { ChildProcess } from 'node:child_process';
import { serverCpuMicros, startChildServer, stopChildServer } from '../support/child-server.js';

export interface Sample {
  rps: number;
  p50: number;
  p99: number;
  /** Server CPU (user + system) per response, µs. */
  cpuUs: number;
  responses: number;
}

export interface ServerPlan {
  /** Key of the samples (a table row). */
  key: string;
  /** Server kind (see bench/http/server.ts). */
  kind: string;
  env: NodeJS.ProcessEnv;
  requests: autocannon.Request[];
  /** The status every response must have. */
  status: number;
  /** The server script (default bench/http/server.ts; another tree's, for a before/after run). */
  script?: string;
}

export interface LoadOptions {
  connections: number;
  durationS: number;
  warmupS: number;
  rounds: number;
  /** Offered load, requests/s over all connections; 0 = as fast as the server answers. */
  rate: number;
  /** Pin the servers to CPU 0 (see bench/support/child-server.ts). */
  pin: boolean;
  /** Called after every measured run (progress). */
  onSample?: (key: string, round: number, sample: Sample) => void;
}

const SERVER_SCRIPT = 'bench/http/server.ts';

function responsesOf(result: autocannon.Result): number {
  return result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'];
}

async function run(port: number, plan: ServerPlan, options: LoadOptions, durationS: number): Promise<autocannon.Result> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: options.connections,
    duration: durationS,
    requests: plan.requests,
    ...(options.rate > 0 ? { overallRate: options.rate } : {}),
  });
  const responses = responsesOf(result);
  const matching = result.statusCodeStats?.[String(plan.status) as `${number}`]?.count ?? 0;
  if (responses - matching > 0) throw new Error(`${plan.key}: ${responses - matching} of ${responses} responses were not ${plan.status}`);
  // A timeout or two on an overloaded host is noise; more means the variant is broken.
  if (result.errors > responses / 100) throw new Error(`${plan.key}: ${result.errors} connection errors/timeouts for ${responses} responses`);
  return result;
}

async function sample(child: ChildProcess, port: number, plan: ServerPlan, options: LoadOptions): Promise<Sample> {
  const cpuBefore = await serverCpuMicros(child);
  const result = await run(port, plan, options, options.durationS);
  const cpuAfter = await serverCpuMicros(child);
  const responses = responsesOf(result);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, cpuUs: (cpuAfter - cpuBefore) / Math.max(1, responses), responses };
}

/** Runs `options.rounds` alternating rounds over the plans; the order rotates every round. */
export async function alternate(plans: ServerPlan[], options: LoadOptions): Promise<Map<string, Sample[]>> {
  const started = await Promise.allSettled(plans.map((plan) => startChildServer(plan.script ?? SERVER_SCRIPT, plan.kind, plan.env, { pin: options.pin, ipc: true })));
  const servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  try {
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    // warm-up: JIT, keep-alive connections, Redis scripts loaded
    if (options.warmupS > 0) for (const [i, plan] of plans.entries()) await run(servers[i]!.port, plan, options, options.warmupS);
    const samples = new Map<string, Sample[]>(plans.map((plan) => [plan.key, []]));
    for (let round = 0; round < options.rounds; round++) {
      for (let k = 0; k < plans.length; k++) {
        const i = (k + round) % plans.length;
        const plan = plans[i]!;
        const s = await sample(servers[i]!.child, servers[i]!.port, plan, options);
        samples.get(plan.key)!.push(s);
        options.onSample?.(plan.key, round, s);
      }
    }
    return samples;
  } finally {
    await Promise.all(servers.map((server) => stopChildServer(server.child)));
  }
}

export const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
