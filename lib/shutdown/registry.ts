/**
 * The process-wide list of closers (module-level on purpose: there is one shutdown per
 * process) and the phase-by-phase run of them. Every closer gets its own deadline: a client
 * whose `quit()` never resolves (a Redis that accepts connections but never answers) must not
 * keep the phases after it, log flushing above all, from running.
 */
import { KitError } from '../errors/kit-error.js';

/**
 * Phases run in this order: `app` (your own closers), `locks` (release held mutexes),
 * `connections` (quit Redis and other clients), `logs` (flush every transport last, so the
 * lines written while closing the others are kept).
 */
export type ShutdownPhase = 'app' | 'locks' | 'connections' | 'logs';
export const PHASES: readonly ShutdownPhase[] = ['app', 'locks', 'connections', 'logs'];

/**
 * Closes one resource. `signal` aborts when the closer's deadline passes: stop waiting and
 * drop the resource the hard way (e.g. `client.disconnect()` after a `quit()` that never
 * answers), so nothing keeps the process alive.
 */
export type Closer = (signal: AbortSignal) => void | Promise<void>;

interface Registration {
  name: string;
  phase: ShutdownPhase;
  close: Closer;
}

const registry = new Set<Registration>();

/** Default deadline of one closer. */
export const DEFAULT_CLOSER_TIMEOUT_MS = 5000;

/**
 * Registers a closer run by `gracefulShutdown` (and {@link runClosers}). Returns a function
 * that unregisters it (call it when the resource is closed by other means).
 *
 * @example
 * ```ts
 * const unregister = onShutdown('queue', () => queue.close(), 'connections')
 * ```
 */
export function onShutdown(name: string, close: Closer, phase: ShutdownPhase = 'app'): () => void {
  const registration: Registration = { name, phase, close };
  registry.add(registration);
  return () => {
    registry.delete(registration);
  };
}

/** Names of the registered closers, by phase order (diagnostics and tests). */
export function registeredClosers(): { name: string; phase: ShutdownPhase }[] {
  return PHASES.flatMap((phase) => [...registry].filter((r) => r.phase === phase).map(({ name }) => ({ name, phase })));
}

/**
 * A closer that failed or did not finish within its deadline (then `error.code` is
 * `ERR_SHUTDOWN_TIMEOUT`): shutdown goes on and reports them all at the end.
 */
export interface CloserFailure {
  name: string;
  phase: ShutdownPhase;
  error: unknown;
}

export interface RunClosersOptions {
  /** Deadline of each closer, in ms. Default 5000. `0` or `Infinity`: no deadline. */
  closerTimeoutMs?: number;
  /** Which phases to run (default all, in order). */
  phases?: readonly ShutdownPhase[];
}

/** Runs one closer; resolves with its failure, if any, once it settles or its deadline passes. */
function runOne(registration: Registration, timeoutMs: number): Promise<CloserFailure | undefined> {
  const { name, phase, close } = registration;
  const failure = (error: unknown): CloserFailure => ({ name, phase, error });
  const controller = new AbortController();
  let settled: Promise<CloserFailure | undefined>;
  try {
    settled = Promise.resolve(close(controller.signal)).then(() => undefined, failure);
  } catch (error) {
    return Promise.resolve(failure(error));
  }
  if (!(timeoutMs > 0) || timeoutMs === Number.POSITIVE_INFINITY) return settled;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      const error = new KitError('ERR_SHUTDOWN_TIMEOUT', `Closer "${name}" (${phase}) did not finish within ${timeoutMs} ms`);
      resolve(failure(error));
      controller.abort(error);
    }, timeoutMs);
    timer.unref();
    void settled.then((result) => {
      clearTimeout(timer);
      resolve(result);
    });
  });
}

/**
 * Runs every registered closer once, phase by phase (closers of one phase run concurrently,
 * each bounded by `closerTimeoutMs`), and unregisters them. Never throws: failures, including
 * closers that ran out of time, are returned.
 */
export async function runClosers(options: RunClosersOptions = {}): Promise<CloserFailure[]> {
  const timeoutMs = options.closerTimeoutMs ?? DEFAULT_CLOSER_TIMEOUT_MS;
  const failures: CloserFailure[] = [];
  for (const phase of options.phases ?? PHASES) {
    const batch = [...registry].filter((r) => r.phase === phase);
    for (const registration of batch) registry.delete(registration);
    const results = await Promise.all(batch.map((registration) => runOne(registration, timeoutMs)));
    for (const result of results) if (result) failures.push(result);
  }
  return failures;
}
