/**
 * Test harness: real redis-server processes on free loopback ports, stopped by pid.
 * No mocks: every Redis test in this repo talks to one of these.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

const MISSING = 'redis-server was not found on PATH. Install it (Debian: apt-get install -y redis-server) or set REDIS_URL to a running server for the single-node tests.';

/** Throws one clear message when redis-server is missing. */
export function assertRedisInstalled(binary = 'redis-server'): void {
  const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) throw new Error(MISSING);
}

/** A free TCP port on 127.0.0.1 (optionally also requiring `port + offset` free, for the cluster bus). */
export async function freePort(busOffset?: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = busOffset ? 20000 + Math.floor(Math.random() * 25000) : await listenAndClose(0);
    if (!busOffset) return port;
    if ((await isFree(port)) && (await isFree(port + busOffset))) return port;
  }
  throw new Error('no free port found on 127.0.0.1');
}

function listenAndClose(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      server.close(() => resolve(bound));
    });
  });
}

function isFree(port: number): Promise<boolean> {
  return listenAndClose(port).then(() => true, () => false);
}

export interface RedisServerHandle {
  host: string;
  port: number;
  url: string;
  pid: number;
  /** Stops the server (SIGTERM, then SIGKILL) and waits for its exit. */
  stop(): Promise<void>;
  /** Starts the server again on the same port (after `stop()`): fault tests. */
  restart(): Promise<void>;
  /** A new client to this server (the caller quits it). */
  client(): Redis;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function startProcess(args: string[], cwd: string): ChildProcess {
  mkdirSync(cwd, { recursive: true });
  const child = spawn('redis-server', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  child.once('exit', () => running.delete(child));
  (child as ChildProcess & { output: () => string }).output = () => output;
  return child;
}

async function waitForPing(port: number, child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`redis-server on port ${port} exited: ${(child as ChildProcess & { output: () => string }).output()}`);
    }
    const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return;
    } catch {
      // not up yet
    } finally {
      client.disconnect();
    }
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/** Starts a standalone redis-server (no persistence) on a free loopback port. */
export async function startRedis(extraArgs: string[] = []): Promise<RedisServerHandle> {
  assertRedisInstalled();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'epk-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs];
  let child = startProcess(args, dir);
  await waitForPing(port, child);
  const handle: RedisServerHandle = {
    host: '127.0.0.1',
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child.pid ?? -1;
    },
    async stop() {
      await stopProcess(child);
    },
    async restart() {
      await stopProcess(child);
      child = startProcess(args, dir);
      await waitForPing(port, child);
    },
    client() {
      return new Redis(port, '127.0.0.1');
    },
  };
  const stop = handle.stop;
  handle.stop = async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  };
  return handle;
}

export interface RedisClusterHandle {
  nodes: { host: string; port: number }[];
  /** Stops every node and removes their files. */
  stop(): Promise<void>;
}

/** Starts a 3-master Redis Cluster (no replicas) on free loopback ports and waits until it is `ok`. */
export async function startCluster(masters = 3): Promise<RedisClusterHandle> {
  assertRedisInstalled();
  const dir = mkdtempSync(join(tmpdir(), 'epk-cluster-'));
  const children: ChildProcess[] = [];
  const nodes: { host: string; port: number }[] = [];
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freePort(10000);
      const args = [
        '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
        '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000',
        '--dir', dir,
      ];
      const child = startProcess(args, dir);
      children.push(child);
      await waitForPing(port, child);
      nodes.push({ host: '127.0.0.1', port });
    }
    const create = spawnSync('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `${n.host}:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8', timeout: 30_000 });
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
    await waitForClusterOk(nodes);
  } catch (error) {
    await Promise.all(children.map(stopProcess));
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    nodes,
    async stop() {
      await Promise.all(children.map(stopProcess));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForClusterOk(nodes: { host: string; port: number }[], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await Promise.all(nodes.map(async ({ port }) => {
      const client = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 0 });
      try {
        return String(await client.call('CLUSTER', 'INFO')).includes('cluster_state:ok');
      } catch {
        return false;
      } finally {
        client.disconnect();
      }
    }));
    if (states.every(Boolean)) return;
    if (Date.now() > deadline) throw new Error('Redis Cluster did not reach cluster_state:ok');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
