/**
 * Starts a benchmark server in its own process (so the load generator never shares its event
 * loop) and waits for the `listening <port>` line it prints.
 *
 * With `{ pin: true }` on a machine with ≥ 2 CPUs (and `taskset`), the server runs on CPU 0;
 * call {@link pinThisProcess} first so the load generator (and any redis-server it spawns
 * afterwards) stays on CPU 1. With `{ ipc: true }` the child gets an IPC channel, and
 * {@link serverCpuMicros} asks it for its CPU time: the server script must answer with
 * {@link answerCpuRequests}. CPU per request is the figure that survives a noisy shared host:
 * another process stealing the core lowers req/s but not the CPU the server spends.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';

export interface ChildServerOptions {
  /** Run the server on CPU 0 (when the machine has ≥ 2 CPUs and `taskset` works). */
  pin?: boolean;
  /** Open an IPC channel (for {@link serverCpuMicros}). */
  ipc?: boolean;
}

/** Whether CPU pinning is available here (≥ 2 CPUs and a working `taskset`). */
export const CAN_PIN = availableParallelism() >= 2 && spawnSync('taskset', ['-c', '1', 'true']).status === 0;

/** Moves this process (the load generator) to CPU 1, so a pinned server has CPU 0 to itself. */
export function pinThisProcess(): boolean {
  if (!CAN_PIN) return false;
  return spawnSync('taskset', ['-cp', '1', String(process.pid)]).status === 0;
}

export async function startChildServer(script: string, kind: string, env: NodeJS.ProcessEnv, options: ChildServerOptions = {}): Promise<{ child: ChildProcess; port: number }> {
  const argv = [process.execPath, '--import', 'tsx', script, kind];
  const [command, ...args] = options.pin && CAN_PIN ? ['taskset', '-c', '0', ...argv] : argv;
  const stdio: ('ignore' | 'pipe' | 'inherit' | 'ipc')[] = ['ignore', 'pipe', 'inherit'];
  if (options.ipc) stdio.push('ipc');
  const child = spawn(command!, args, { env: { ...process.env, ...env }, stdio });
  const port = await new Promise<number>((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = /listening (\d+)/.exec(buffer);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
  return { child, port };
}

/** Stops a child server and waits for it to exit (bounded: SIGKILL after 5 s). */
export async function stopChildServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

const CPU_REQUEST = 'bench:cpu';

/** The child server's CPU time so far (user + system, µs), asked over IPC (deadline 5 s). */
export function serverCpuMicros(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error('the server did not report its CPU time within 5 s'));
    }, 5000);
    function onMessage(message: unknown): void {
      const usage = message as { cpu?: NodeJS.CpuUsage } | null;
      if (!usage?.cpu) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(usage.cpu.user + usage.cpu.system);
    }
    child.on('message', onMessage);
    child.send(CPU_REQUEST);
  });
}

/** In a server script: answer {@link serverCpuMicros} with this process's `process.cpuUsage()`. */
export function answerCpuRequests(): void {
  process.on('message', (message) => {
    if (message === CPU_REQUEST) process.send?.({ cpu: process.cpuUsage() });
  });
}
