/**
 * One graceful shutdown for the whole kit (DESIGN principle 8). Modules register closers
 * (release held locks, quit Redis connections, flush logs); `gracefulShutdown(server)` stops
 * accepting connections, lets in-flight requests finish, then runs the closers phase by phase.
 */
import type { Server } from 'node:http';
import { Server as NetServer } from 'node:net';
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
  /**
   * How long connections without a request in flight are left open before idle ones are
   * closed. A connection accepted just before the signal has not been parsed yet and looks idle
   * (Node's own `server.close()` resets it); this grace lets its request arrive and be answered.
   * Default 1000 (capped at `timeoutMs`).
   */
  idleGraceMs?: number;
}

export interface ShutdownReport {
  /** True when every in-flight request finished before `timeoutMs`. */
  drained: boolean;
  /** Closers that threw (shutdown continued past them). */
  failures: CloserFailure[];
}

function checkNonNegative(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new KitError('ERR_CONFIG_INVALID', `"${name}" option must be a non-negative number`);
  }
}

/**
 * Stops accepting connections, answers what was accepted (responses carry
 * `Connection: close`), closes idle keep-alive connections after `idleGraceMs`, waits for
 * in-flight requests (up to `timeoutMs`, then cuts what is left), then runs the registered
 * closers. It does not call `process.exit`: that stays your decision.
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
  checkNonNegative('timeoutMs', timeoutMs);
  const idleGraceMs = Math.min(options.idleGraceMs ?? 1000, timeoutMs);
  checkNonNegative('idleGraceMs', idleGraceMs);
  const drained = server?.listening ? await drain(server, timeoutMs, idleGraceMs) : true;
  const failures = await runClosers();
  return { drained, failures };
}

function drain(server: Server, timeoutMs: number, idleGraceMs: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    let sweeper: NodeJS.Timeout | undefined;
    // Requests that still arrive on open connections are answered, but their connection is not
    // kept: the client reconnects to another instance.
    const noKeepAlive = (_req: unknown, res: { setHeader(name: string, value: string): unknown }) => {
      res.setHeader('Connection', 'close');
    };
    const finish = (drained: boolean) => {
      clearTimeout(deadline);
      clearTimeout(grace);
      clearInterval(sweeper);
      server.off('request', noKeepAlive);
      resolve(drained);
    };
    const deadline = setTimeout(() => {
      server.closeAllConnections();
      finish(false);
    }, timeoutMs);
    // After the grace, close idle keep-alive connections, then keep closing the ones that become
    // idle as their last response ends.
    const grace = setTimeout(() => {
      server.closeIdleConnections();
      sweeper = setInterval(() => server.closeIdleConnections(), 50);
      sweeper.unref();
    }, idleGraceMs);
    deadline.unref();
    grace.unref();
    server.on('request', noKeepAlive);
    // net.Server#close stops accepting without http.Server#close's immediate reset of
    // connections whose first request has not been parsed yet.
    NetServer.prototype.close.call(server, () => finish(true));
  });
}
