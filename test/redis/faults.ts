/**
 * Fault drills on a real redis-server (the harness's, never 6379): a server that is up but
 * does not answer. `CLIENT PAUSE ... WRITE` holds every command that may write (scripts
 * included) and can be lifted at once; SIGSTOP freezes the whole process with its sockets
 * open, so clients see neither an answer nor an error.
 */
import type { Redis } from 'ioredis';
import type { RedisServerHandle } from '../support/redis-server.js';

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
