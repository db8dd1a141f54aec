/**
 * Fault drills on a real redis-server (the harness's, never 6379): a server that is up but
 * does not answer. `CLIENT PAUSE ... WRITE` holds every command that may write (scripts
 * included) and can be lifted at once; SIGSTOP freezes the whole process with its sockets
 * open, so clients see neither an answer nor an error.
 */
import { Redis } from 'ioredis';
import { startRedis, type RedisServerHandle } from '../support/redis-server.js';

/** Pauses writes for up to `ms` (lifted by the returned function). */
export async function pauseWrites(admin: Redis, ms = 8000): Promise<() => Promise<void>> {
  await admin.call('CLIENT', 'PAUSE', String(ms), 'WRITE');
  return async () => {
    await admin.call('CLIENT', 'UNPAUSE');
  };
}

/** Stops the server process (SIGSTOP); the returned function resumes it (SIGCONT). */
export function freeze(server: RedisServerHandle): () => void {
  process.kill(server.pid, 'SIGSTOP');
  let resumed = false;
  return () => {
    if (resumed) return;
    resumed = true;
    process.kill(server.pid, 'SIGCONT');
  };
}

/** Runs `fn`, returning its settled result and how long it took. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ result: PromiseSettledResult<T>; ms: number }> {
  const startedAt = performance.now();
  const [result] = await Promise.allSettled([fn()]);
  return { result: result!, ms: performance.now() - startedAt };
}

/** Asserts `settled` rejected with a KitError of `code`; returns the error. */
export function rejectionCode(settled: PromiseSettledResult<unknown>): string | undefined {
  return settled.status === 'rejected' ? (settled.reason as { code?: string }).code : undefined;
}

/** A TCP server on loopback that accepts connections and never answers (a hung Redis). */
export async function silentServer(): Promise<{ url: string; close(): void }> {
  const { createServer } = await import('node:net');
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as import('node:net').AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    close() {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

/** A real redis-server of its own, a client and an admin connection, and the fault in force. */
export interface FaultDrill {
  readonly server: RedisServerHandle;
  readonly client: Redis;
  readonly admin: Redis;
  /** Stops the server (SIGSTOP) until `lift()`. */
  freeze(): void;
  /** Injects one of the two faults until `lift()`. */
  inject(fault: 'CLIENT PAUSE' | 'SIGSTOP'): Promise<void>;
  /** Lifts the fault in force, if any. */
  lift(): Promise<void>;
}

/**
 * Registers the mocha hooks of a fault drill in the current `describe`: its own server (the
 * shared one is never paused), the fault lifted after each test, everything closed at the end.
 */
export function faultDrill(): FaultDrill {
  let server: RedisServerHandle | undefined;
  let client: Redis | undefined;
  let admin: Redis | undefined;
  let resume: (() => unknown) | undefined;
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('faultDrill: used before its before() hook ran');
    return value;
  };
  const drill: FaultDrill = {
    get server() { return ready(server); },
    get client() { return ready(client); },
    get admin() { return ready(admin); },
    freeze() { resume = freeze(ready(server)); },
    async inject(fault) {
      if (fault === 'SIGSTOP') drill.freeze();
      else resume = await pauseWrites(ready(admin));
    },
    async lift() {
      const lifting = resume;
      resume = undefined;
      await lifting?.();
    },
  };
  before(async () => {
    server = await startRedis();
    client = new Redis(server.url);
    admin = server.client();
  });
  afterEach(() => drill.lift());
  after(async () => {
    client?.disconnect();
    admin?.disconnect();
    await server?.stop();
  });
  return drill;
}
