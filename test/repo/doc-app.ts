/**
 * Runs the code of a docs page the way a reader would: the page's code blocks of one language,
 * pasted in page order into one file inside the repository (so `express-platform-kit/*`
 * resolves through tsconfig `paths`, as in the examples), run with tsx. A server app
 * (`startDocApp`) listens on a free loopback port and logs `listening on http://127.0.0.1:<port>`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '../..');

/** The bodies of the fenced code blocks tagged `lang` (```ts, ```js…), in page order. */
export function codeBlocks(markdown: string, lang: string): string[] {
  const fence = new RegExp(`^\`\`\`${lang}[ \\t]*\\n([\\s\\S]*?)^\`\`\`[ \\t]*$`, 'gm');
  return [...markdown.matchAll(fence)].map((match) => match[1]!);
}

/** Writes `source` to test-artifacts/docs/<fileName> and runs it to its end: exit code and output. */
export async function runDocScript(fileName: string, source: string, env: Record<string, string>, deadlineMs = 30_000): Promise<{ code: number | null; output: string }> {
  const child = spawnDoc(fileName, source, env);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
  try {
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
    if (signal === 'SIGKILL') throw new Error(`${fileName} did not finish within ${deadlineMs} ms:\n${output}`);
    return { code, output };
  } finally {
    clearTimeout(timer);
  }
}

function spawnDoc(fileName: string, source: string, env: Record<string, string>): ChildProcess {
  const dir = join(repo, 'test-artifacts', 'docs');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, fileName);
  writeFileSync(file, source);
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(base)) if (name.startsWith('REDIS_')) delete base[name];
  return spawn(process.execPath, ['--import', 'tsx', file], {
    cwd: repo,
    env: { ...base, PORT: '0', HOST: '127.0.0.1', LOG_FORMAT: 'json', LOG_COLOR: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** A page's app, running. */
export interface DocApp {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** stdout and stderr so far. */
  output(): string;
  /** The JSON log lines printed so far (`LOG_FORMAT=json`). */
  logLines(): Record<string, unknown>[];
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Kills it if it still runs (after hooks). */
  kill(): void;
}

/**
 * Writes `source` to test-artifacts/docs/<fileName> and starts it with `env` added to the
 * environment (Redis variables removed: the pages start on embedded defaults). Rejects when it
 * exits or has not printed its address within `deadlineMs`.
 */
export async function startDocApp(fileName: string, source: string, env: Record<string, string>, deadlineMs = 30_000): Promise<DocApp> {
  const child = spawnDoc(fileName, source, env);
  let output = '';
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`${fileName} printed no address within ${deadlineMs} ms:\n${output}`)), deadlineMs);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        done(match[1]!);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`${fileName} exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    output: () => output,
    logLines: () =>
      output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs); // a hang fails, not waits
      try {
        const [code, signal] = (await exited) as [number | null, string | null];
        if (signal === 'SIGKILL') throw new Error(`${fileName} did not exit within ${deadlineMs} ms of SIGTERM:\n${output}`);
        return code;
      } finally {
        clearTimeout(timer);
      }
    },
    kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
