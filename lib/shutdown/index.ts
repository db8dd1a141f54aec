/**
 * One graceful shutdown for the whole kit (DESIGN principle 8). Modules register closers
 * (release held locks, quit Redis connections, flush logs); `gracefulShutdown(server)` stops
 * accepting connections, lets in-flight requests finish, then runs the closers phase by phase.
 */
import type { Server } from 'node:http';
import { KitError } from '../errors/kit-error.js';

/**
 * Phases run in this order: `app` (your own closers), `locks` (release held mutexes),
 * `connections` (quit Redis and other clients), `logs` (flush every transport last, so the
 * lines written while closing the others are kept).
 */
export type ShutdownPhase = 'app' | 'locks' | 'connections' | 'logs';
const PHASES: readonly ShutdownPhase[] = ['app', 'locks', 'connections', 'logs'];

export type Closer = () => void | Promise<void>;

interface Registration {
  name: string;
  phase: ShutdownPhase;
  close: Closer;
}

const registry = new Set<Registration>();

/**
 * Registers a closer run by {@link gracefulShutdown} (and {@link runClosers}). Returns a
 * function that unregisters it (call it when the resource is closed by other means).
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

/** A closer that failed: shutdown goes on and reports them all at the end. */
export interface CloserFailure {
  name: string;
  phase: ShutdownPhase;
  error: unknown;
}

/**
 * Runs every registered closer once, phase by phase (closers of one phase run concurrently),
 * and unregisters them. Never throws: failures are returned.
 */
export async function runClosers(): Promise<CloserFailure[]> {
  const failures: CloserFailure[] = [];
  for (const phase of PHASES) {
    const batch = [...registry].filter((r) => r.phase === phase);
    for (const registration of batch) registry.delete(registration);
    await Promise.all(
      batch.map(async ({ name, close }) => {
        try {
          await close();
        } catch (error) {
          failures.push({ name, phase, error });
        }
      }),
    );
  }
  return failures;
}

export interface GracefulShutdownOptions {
  /** How long in-flight requests may run before their connections are closed. Default 10000. */
  timeoutMs?: number;
}

export interface ShutdownReport {
  /** True when every in-flight request finished before `timeoutMs`. */
  drained: boolean;
  /** Closers that threw (shutdown continued past them). */
  failures: CloserFailure[];
}

/**
 * Stops accepting connections, closes idle keep-alive connections, waits for in-flight
 * requests (up to `timeoutMs`, then closes what is left), then runs the registered closers.
 * It does not call `process.exit`: that stays your decision.
 *
 * @example
 * ```ts
 * const server = app.listen(8080)
 * process.once('SIGTERM', async () => {
 *   const { drained } = await gracefulShutdown(server, { timeoutMs: 10_000 })
 *   process.exit(drained ? 0 : 1)
 * })
 * ```
 */
export async function gracefulShutdown(server: Server | undefined, options: GracefulShutdownOptions = {}): Promise<ShutdownReport> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw new KitError('ERR_CONFIG_INVALID', '"timeoutMs" option must be a non-negative number');
  }
  let drained = true;
  if (server?.listening) {
    drained = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        clearInterval(sweeper);
        server.closeAllConnections();
        resolve(false);
      }, timeoutMs);
      timer.unref();
      // Requests that still arrive on open keep-alive connections are answered, but their
      // connection is not kept: the client reconnects to another instance.
      const noKeepAlive = (_req: unknown, res: { setHeader(name: string, value: string): unknown }) => {
        res.setHeader('Connection', 'close');
      };
      server.on('request', noKeepAlive);
      // A keep-alive socket becomes idle when its in-flight response ends; close those as they
      // appear (close() alone only closes the sockets idle at the moment it is called).
      const sweeper = setInterval(() => server.closeIdleConnections(), 50);
      sweeper.unref();
      server.close(() => {
        clearTimeout(timer);
        clearInterval(sweeper);
        server.off('request', noKeepAlive);
        resolve(true);
      });
      server.closeIdleConnections();
    });
  }
  const failures = await runClosers();
  return { drained, failures };
}
