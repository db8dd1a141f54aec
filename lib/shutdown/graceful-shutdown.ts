/**
 * `gracefulShutdown(server)`: drain HTTP, then run the registered closers, every step with a
 * deadline, logs flushed last in any case. One shutdown per process at a time: SIGINT then
 * SIGTERM (or two handlers) share the run already under way instead of starting a second one
 * that would see the server closed and quit Redis under the in-flight requests.
 */
import type { Server } from 'node:http';
import { z } from 'zod';
import { parseOptions, type KnownOptions } from '../config/settings.js';
import { getLogger } from '../logging/logger.js';
import { drain } from './drain.js';
import { DEFAULT_CLOSER_TIMEOUT_MS, runClosers, type CloserFailure } from './registry.js';

export interface GracefulShutdownOptions {
  /** How long in-flight requests may run before their connections are closed. Default 10000. */
  timeoutMs?: number;
  /**
   * How long connections without a request in flight are left open before idle ones are
   * closed. A connection accepted just before the signal has not been parsed yet and looks idle
   * (Node's own `server.close()` resets it); this grace lets its request arrive and be answered.
   * Default 1000 (capped at `timeoutMs`).
   */
  idleGraceMs?: number;
  /**
   * Deadline of each closer (a Redis `quit()` that never answers, a stuck flush). A closer
   * still running then is reported as failed with `ERR_SHUTDOWN_TIMEOUT` and shutdown goes on.
   * Default 5000.
   */
  closerTimeoutMs?: number;
}

export interface ShutdownReport {
  /** True when every in-flight request finished before `timeoutMs`. */
  drained: boolean;
  /** Closers that threw or ran out of time (shutdown continued past them). */
  failures: CloserFailure[];
}

const MAX_MS = 2 ** 31 - 1;
const ms = (fallback: number) =>
  z.number({ message: 'must be a number of milliseconds' }).int({ message: 'must be an integer' })
    .min(0, { message: `must be between 0 and ${MAX_MS}` }).max(MAX_MS, { message: `must be between 0 and ${MAX_MS}` })
    .default(fallback);

const optionsSchema = z.object({
  timeoutMs: ms(10_000),
  idleGraceMs: ms(1000),
  closerTimeoutMs: ms(DEFAULT_CLOSER_TIMEOUT_MS),
});
const KNOWN: KnownOptions<GracefulShutdownOptions> = { timeoutMs: true, idleGraceMs: true, closerTimeoutMs: true };

type ShutdownConfig = z.output<typeof optionsSchema>;

const log = getLogger('shutdown');
let running: Promise<ShutdownReport> | undefined;

/**
 * Stops accepting connections, answers what was accepted (responses carry
 * `Connection: close`), closes idle keep-alive connections after `idleGraceMs`, waits for
 * in-flight requests (up to `timeoutMs`, then cuts what is left), then runs the registered
 * closers, each within `closerTimeoutMs`. Closers that failed or ran out of time are logged
 * before the `logs` phase, which always runs last. So the whole shutdown takes at most
 * `timeoutMs + 4 × closerTimeoutMs`.
 *
 * A call while a shutdown is under way returns that same shutdown (same promise). Bad options
 * reject with a `ConfigError`. It does not call `process.exit`: that stays your decision.
 *
 * @example
 * ```ts
 * const server = app.listen(8080)
 * const stop = async () => {
 *   const { drained, failures } = await gracefulShutdown(server, { timeoutMs: 10_000 })
 *   process.exit(drained && failures.length === 0 ? 0 : 1)
 * }
 * process.once('SIGTERM', stop)
 * process.once('SIGINT', stop) // the second signal joins the first shutdown
 * ```
 */
export function gracefulShutdown(server: Server | undefined, options: GracefulShutdownOptions = {}): Promise<ShutdownReport> {
  if (running) return running;
  let config: ShutdownConfig;
  try {
    config = parseOptions(optionsSchema, options, 'gracefulShutdown options', KNOWN);
  } catch (error) {
    return Promise.reject(error);
  }
  const shutdown = runShutdown(server, config);
  running = shutdown;
  const done = (): void => {
    if (running === shutdown) running = undefined;
  };
  shutdown.then(done, done);
  return shutdown;
}

async function runShutdown(server: Server | undefined, config: ShutdownConfig): Promise<ShutdownReport> {
  const idleGraceMs = Math.min(config.idleGraceMs, config.timeoutMs);
  const drained = server?.listening ? await drain(server, config.timeoutMs, idleGraceMs) : true;
  const { closerTimeoutMs } = config;
  const failures = await runClosers({ closerTimeoutMs, phases: ['app', 'locks', 'connections'] });
  // Logged before the logs phase, so these lines are flushed with the rest.
  for (const failure of failures) logFailure(failure);
  const logFailures = await runClosers({ closerTimeoutMs, phases: ['logs'] });
  // The log transports may be what failed: these go straight to stderr.
  for (const failure of logFailures) process.stderr.write(`${JSON.stringify({ level: 'ERROR', logger: 'shutdown', message: describeFailure(failure) })}\n`);
  return { drained, failures: [...failures, ...logFailures] };
}

function describeFailure({ name, phase, error }: CloserFailure): string {
  const code = (error as { code?: unknown } | null)?.code;
  const why = code === 'ERR_SHUTDOWN_TIMEOUT' ? 'did not close in time' : `failed: ${error instanceof Error ? error.message : String(error)}`;
  return `shutdown: closer "${name}" (${phase}) ${why}`;
}

function logFailure(failure: CloserFailure): void {
  try {
    log.error(describeFailure(failure), { closer: failure.name, phase: failure.phase });
  } catch {
    // A broken transport must not stop the shutdown.
  }
}
