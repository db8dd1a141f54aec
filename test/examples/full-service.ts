/**
 * Runs examples/full/server.ts as a real child process (the way `npm run example:full` does)
 * and reads the base URL, tokens and API key it prints.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export const repo = resolve(import.meta.dirname, '../..');

export interface FullService {
  child: ChildProcess;
  base: string;
  userToken: string;
  adminToken: string;
  apiKey: string;
  output(): string;
  exited: Promise<number | null>;
}

export async function startFullService(env: Record<string, string> = {}): Promise<FullService> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/full/server.ts'], {
    cwd: repo,
    env: { ...process.env, PORT: '0', LOG_COLOR: 'false', JWT_VERIFY_KEY: '', ENCRYPTION_KEY: '', REDIS_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  await new Promise<void>((done, fail) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/^curl -s \S+\/metrics$/m.test(output)) done();
    });
    void exited.then((code) => fail(new Error(`examples/full exited with ${code}:\n${output}`)));
  });
  const value = (name: string) => new RegExp(`^${name}=(\\S+)$`, 'm').exec(output)?.[1] ?? '';
  const base = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1]!;
  return { child, base, userToken: value('USER_TOKEN'), adminToken: value('ADMIN_TOKEN'), apiKey: value('API_KEY'), output: () => output, exited };
}

/** Sends `concurrency` requests at a time until `until()` is true; returns every status seen (0 = network error). */
export async function steadyLoad(send: () => Promise<number>, concurrency: number, until: () => boolean): Promise<number[]> {
  const statuses: number[] = [];
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (!until()) statuses.push(await send().catch(() => 0));
  }));
  return statuses;
}
