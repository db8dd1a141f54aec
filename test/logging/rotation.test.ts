import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import winston from 'winston';
import { configureLogging, getLogger, LOG_LEVELS, RotatingFileTransport, shutdownLogging } from '../../lib/logging/index.js';

const MB = 1024 * 1024;
const LINES = 100_000;

function logFiles(dir: string, base: string): string[] {
  return readdirSync(dir).filter((name) => name === base || name.startsWith(`${base}.`));
}

/** Line numbers found in every file of `base`, oldest file first. */
function lineNumbers(dir: string, base: string): number[] {
  const files = logFiles(dir, base).sort((a, b) => Number(b.split('.').pop()) - Number(a.split('.').pop()) || (a === base ? 1 : -1));
  const numbers: number[] = [];
  for (const file of files) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      const match = / line (\d+)$/.exec(line);
      if (match) numbers.push(Number(match[1]));
    }
  }
  return numbers;
}

describe('logging rotation', function () {
  this.timeout(60_000);
  after(() => configureLogging({ env: {}, console: false, file: false }));

  it('100k lines through activity.log with a 1 MB limit: every line exactly once, in order, files capped at 1 MB', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'epk-rot-'));
    configureLogging({ env: {}, console: false, file: true, logDir: dir, fileMaxBytes: MB, fileMaxFiles: 10, level: 'INFO' });
    const log = getLogger('rot');
    for (let i = 0; i < LINES; i += 1) {
      log.info(`line ${i}`);
      if (i % 10_000 === 0) await new Promise((resolve) => setImmediate(resolve)); // rotations also happen between event-loop turns
    }
    assert.equal(await shutdownLogging(), true);
    const files = logFiles(dir, 'activity.log');
    assert.ok(files.length > 3 && files.length <= 11, `files: ${files.join(', ')}`);
    for (const file of files) assert.ok(statSync(join(dir, file)).size <= MB, `${file} over 1 MB`);
    const numbers = lineNumbers(dir, 'activity.log');
    assert.equal(numbers.length, LINES);
    assert.deepEqual(numbers, Array.from({ length: LINES }, (_, i) => i), 'every line exactly once, in order');
  });

  it('keeps only maxFiles rotated files: the newest lines, contiguous, none twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'epk-rot-'));
    configureLogging({ env: {}, console: false, file: true, logDir: dir, fileMaxBytes: MB, fileMaxFiles: 3, level: 'INFO' });
    const log = getLogger('rot');
    for (let i = 0; i < LINES; i += 1) log.info(`line ${i}`);
    await shutdownLogging();
    assert.deepEqual(logFiles(dir, 'activity.log').sort(), ['activity.log', 'activity.log.1', 'activity.log.2', 'activity.log.3']);
    const numbers = lineNumbers(dir, 'activity.log');
    assert.ok(numbers.length > 3 * (MB / 40) && numbers.length < LINES, `kept ${numbers.length}`);
    const first = numbers[0]!;
    assert.deepEqual(numbers, Array.from({ length: numbers.length }, (_, i) => first + i));
    assert.equal(numbers.at(-1), LINES - 1);
  });

  it('error.log holds only errors (and critical), activity.log everything at the level, debug.log only at DEBUG', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'epk-rot-'));
    configureLogging({ env: {}, console: false, file: true, logDir: dir, level: 'INFO' });
    const log = getLogger('mixed');
    for (let i = 0; i < 300; i += 1) {
      const level = ['debug', 'info', 'warning', 'error', 'critical'][i % 5]!;
      log.log(level, `line ${i}`);
    }
    await shutdownLogging();
    assert.ok(!readdirSync(dir).includes('debug.log'), 'no debug.log at INFO');
    const errors = readFileSync(join(dir, 'error.log'), 'utf8').trim().split('\n');
    assert.equal(errors.length, 120);
    assert.ok(errors.every((line) => / (ERROR|CRITICAL) /.test(line)), 'only errors');
    const activity = readFileSync(join(dir, 'activity.log'), 'utf8').trim().split('\n');
    assert.equal(activity.length, 240);
    assert.ok(!activity.some((line) => / DEBUG /.test(line)));

    const debugDir = mkdtempSync(join(tmpdir(), 'epk-rot-'));
    configureLogging({ env: { LOG_LEVEL: 'DEBUG' }, console: false, file: true, logDir: debugDir, format: 'json' });
    getLogger('mixed').debug('verbose detail');
    getLogger('mixed').info('normal');
    await shutdownLogging();
    const debugLines = readFileSync(join(debugDir, 'debug.log'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(debugLines.map((record) => record.level), ['DEBUG', 'INFO']);
  });

  it('appends to an existing file and rotates when it is full', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'epk-rot-'));
    const filename = join(dir, 'app.log');
    writeFileSync(filename, 'x'.repeat(2000) + '\n');
    const transport = new RotatingFileTransport({ filename, maxBytes: 2048, maxFiles: 1, format: winston.format.printf((info) => String(info.message)) });
    const logger = winston.createLogger({ levels: { ...LOG_LEVELS }, transports: [transport] });
    logger.info('a'.repeat(100));
    logger.info('b'.repeat(3000)); // longer than maxBytes: a file of its own
    logger.info('c');
    transport.close();
    assert.deepEqual(readdirSync(dir).sort(), ['app.log', 'app.log.1']);
    assert.equal(readFileSync(filename, 'utf8'), 'c\n');
    assert.equal(readFileSync(`${filename}.1`, 'utf8'), `${'b'.repeat(3000)}\n`);
  });
});

describe('rotating file failures', () => {
  it('a vanished log directory is recreated before the next batch: no line lost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'epk-rot-'));
    const transport = new RotatingFileTransport({ filename: join(dir, 'gone', 'app.log'), maxBytes: 1024, maxFiles: 2, format: winston.format.printf((info) => String(info.message)) });
    const logger = winston.createLogger({ levels: { ...LOG_LEVELS }, transports: [transport] });
    rmSync(join(dir, 'gone'), { recursive: true, force: true });
    for (let i = 0; i < 10; i += 1) logger.info(`- line ${i}`);
    transport.flushSync();
    logger.info('still alive');
    transport.close();
    assert.deepEqual(lineNumbers(join(dir, 'gone'), 'app.log'), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.match(readFileSync(join(dir, 'gone', 'app.log'), 'utf8'), /still alive\n$/);
  });

  it('an unwritable log path costs the lines of that batch and one coded warning, then logging resumes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'epk-rot-'));
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const transport = new RotatingFileTransport({ filename: join(dir, 'blocked', 'app.log'), maxBytes: 1024, maxFiles: 2, format: winston.format.printf((info) => String(info.message)) });
      const logger = winston.createLogger({ levels: { ...LOG_LEVELS }, transports: [transport] });
      rmSync(join(dir, 'blocked'), { recursive: true, force: true });
      writeFileSync(join(dir, 'blocked'), 'a file where the directory was');
      for (let i = 0; i < 100; i += 1) logger.info(`line ${i} ${'x'.repeat(40)}`);
      transport.flushSync();
      rmSync(join(dir, 'blocked'), { force: true });
      logger.info('still alive');
      transport.close();
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(readFileSync(join(dir, 'blocked', 'app.log'), 'utf8'), 'still alive\n', 'the directory is recreated and logging resumes');
      const codes = warnings.map((warning) => (warning as Error & { code?: string }).code);
      assert.ok(codes.includes('WARN_LOG_FILE_WRITE_FAILED'), JSON.stringify(codes));
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('logging files shared by several processes', function () {
  this.timeout(120_000);

  it('two real processes on one activity.log (cluster/PM2): no line twice, each process keeps a contiguous newest run, the quiet one its last 20', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'epk-multiproc-'));
    const start = (role: string): ChildProcess =>
      fork(join(import.meta.dirname, 'fixtures', 'file-writer.ts'), [], {
        execArgv: ['--import', 'tsx'],
        env: { PATH: process.env.PATH ?? '', LOG_DIR: dir, WRITER_ROLE: role, WRITER_LINES: '20000' },
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
    const message = (child: ChildProcess, key: string) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        child.on('message', (value) => {
          if (value && typeof value === 'object' && key in value) resolve(value as Record<string, unknown>);
        });
        child.once('exit', (code) => reject(new Error(`writer exited (${code}) before "${key}"`)));
      });
    const exited = (child: ChildProcess) => new Promise((resolve) => child.once('exit', resolve));
    const quiet = start('quiet');
    const quietExited = exited(quiet);
    const quietDone = message(quiet, 'done');
    await message(quiet, 'ready');
    const busy = start('busy');
    const busyExited = exited(busy);
    const busyDone = await message(busy, 'done');
    quiet.send('stop');
    const quietResult = await quietDone;
    await Promise.all([quietExited, busyExited]);

    const seen = new Map<string, number[]>([['busy', []], ['quiet', []]]);
    const counts = new Map<string, number>();
    for (const file of readdirSync(dir).filter((name) => name.startsWith('activity.log'))) {
      if (file.endsWith('.rotating')) continue;
      for (const text of readFileSync(join(dir, file), 'utf8').split('\n')) {
        const match = /\b(busy|quiet)-(\d+) x+$/.exec(text);
        if (!match) continue;
        counts.set(match[0], (counts.get(match[0]) ?? 0) + 1);
        seen.get(match[1]!)!.push(Number(match[2]));
      }
    }
    for (const [line, count] of counts) assert.equal(count, 1, `${line.slice(0, 12)} written ${count} times`);
    for (const [role, total] of [['busy', busyDone.lines], ['quiet', quietResult.lines]] as const) {
      const numbers = seen.get(role)!.sort((a, b) => a - b);
      assert.ok(numbers.length > 0, `${role} kept some lines`);
      assert.equal(numbers.at(-1), (total as number) - 1, `${role}'s last line is kept`);
      assert.equal(numbers.length, numbers.at(-1)! - numbers[0]! + 1, `${role}'s kept lines are contiguous (only the oldest rotated away)`);
    }
    assert.ok(seen.get('quiet')!.length >= 20, 'the quiet process kept at least its last 20 lines');
    assert.ok(!readdirSync(dir).some((name) => name.endsWith('.rotating')), 'no rotation lock left behind');
    rmSync(dir, { recursive: true, force: true });
  });
});
