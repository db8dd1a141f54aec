import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import winston from 'winston';
import { ConfigError } from '../../lib/config/index.js';
import { configureLogging, getLogger, getRootLogger, getLoggingState } from '../../lib/logging/index.js';
import { registeredClosers } from '../../lib/shutdown/index.js';
import { captureLogs, MemoryTransport } from './helpers.js';

function runScript(source: string, env: Record<string, string> = {}): { stdout: string; stderr: string; status: number | null } {
  const dir = mkdtempSync(join(tmpdir(), 'epk-logscript-'));
  const file = join(dir, 'script.mts');
  writeFileSync(file, source.replaceAll('@lib/', `${process.cwd()}/lib/`));
  const result = spawnSync(process.execPath, ['--import', 'tsx', file], {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? '', METADATA_SERVER_DETECTION: 'none', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

describe('configureLogging', () => {
  after(() => captureLogs());

  it('returns the same root logger and replaces its transports on every call (never duplicates)', () => {
    const mine = new MemoryTransport();
    getRootLogger().add(mine);
    try {
      const dir = mkdtempSync(join(tmpdir(), 'epk-cfg-'));
      const first = configureLogging({ env: {}, file: true, logDir: dir, color: false });
      const count = first.transports.length;
      assert.equal(count, 4, 'console, activity.log, error.log + the user transport');
      for (let i = 0; i < 3; i += 1) assert.equal(configureLogging({ env: {}, file: true, logDir: dir, color: false }), first);
      assert.equal(first.transports.length, count);
      assert.equal(first.transports.filter((t) => t instanceof winston.transports.Console).length, 1);
      assert.ok(first.transports.includes(mine), 'a transport added by the app is kept');
    } finally {
      getRootLogger().remove(mine);
    }
  });

  it('loggers created before configuration follow the new level and transports', () => {
    const early = getLogger('created-early');
    const memory = captureLogs({ level: 'WARNING' });
    early.info('dropped');
    early.warn('kept');
    early.log('critical', 'kept too');
    assert.deepEqual(memory.messages(), ['kept', 'kept too']);
    assert.equal(memory.records[0]!.logger, 'created-early');
    const again = captureLogs({ level: 'debug' });
    early.debug('now visible');
    assert.deepEqual(again.messages(), ['now visible']);
    assert.equal(memory.records.length, 2, 'the replaced transport receives nothing more');
  });

  it('registers shutdownLogging for the logs phase, once', () => {
    captureLogs();
    captureLogs();
    const mine = registeredClosers().filter((closer) => closer.name === 'logging');
    assert.deepEqual(mine, [{ name: 'logging', phase: 'logs' }]);
  });

  it('rejects bad options and an unwritable LOG_DIR with a ConfigError', () => {
    assert.throws(() => configureLogging({ env: {}, level: 'loud' }), ConfigError);
    assert.throws(() => configureLogging({ env: {}, format: 'xml' as never }), ConfigError);
    assert.throws(() => configureLogging({ env: {}, colour: true } as never), ConfigError);
    assert.throws(() => configureLogging({ env: { LOG_LEVEL: 'noisy' } }), ConfigError);
    const file = join(mkdtempSync(join(tmpdir(), 'epk-cfg-')), 'not-a-dir');
    writeFileSync(file, '');
    assert.throws(
      () => configureLogging({ env: {}, console: false, file: true, logDir: file }),
      (error: unknown) => error instanceof ConfigError && /LOG_DIR/.test(error.message),
    );
    assert.equal(getLoggingState().cloud, undefined);
  });

  it('console: below WARNING to stdout, WARNING and above to stderr', () => {
    const { stdout, stderr, status } = runScript(`
      import { configureLogging, getLogger } from '@lib/logging/index.js';
      configureLogging({ env: { LOG_LEVEL: 'DEBUG', LOG_COLOR: 'false' } });
      const log = getLogger('split');
      log.debug('d-line'); log.info('i-line'); log.warn('w-line'); log.error('e-line'); log.log('critical', 'c-line');
    `);
    assert.equal(status, 0, stderr);
    assert.match(stdout, /DEBUG +\[split\] d-line/);
    assert.match(stdout, /INFO +\[split\] i-line/);
    for (const line of ['w-line', 'e-line', 'c-line']) {
      assert.ok(!stdout.includes(line), `${line} not on stdout`);
      assert.ok(stderr.includes(line), `${line} on stderr`);
    }
    assert.ok(!stderr.includes('i-line'));
    assert.ok(!stdout.includes('\x1b['), 'LOG_COLOR=false');
  });

  it('importing the module without cloud logging loads no Google Cloud package; enabling it does', () => {
    const script = (cloud: boolean) => `
      import { createRequire } from 'node:module';
      import { configureLogging, getLogger, shutdownLogging } from '@lib/logging/index.js';
      configureLogging({ env: {}, console: false, cloud: ${cloud ? "{ mode: 'stdout', projectId: 'p' }" : 'false'} });
      getLogger('x').info('hello');
      await shutdownLogging({ timeoutMs: 5000 });
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((path) => /[\\\\/]@google-cloud[\\\\/]|[\\\\/]google-gax[\\\\/]|[\\\\/]@grpc[\\\\/]/.test(path));
      process.stderr.write('LOADED=' + loaded.length + '\\n');
    `;
    const without = runScript(script(false));
    assert.equal(without.status, 0, without.stderr);
    assert.match(without.stderr, /LOADED=0\n/);
    const withCloud = runScript(script(true));
    assert.equal(withCloud.status, 0, withCloud.stderr);
    const count = Number(/LOADED=(\d+)/.exec(withCloud.stderr)?.[1]);
    assert.ok(count > 0, 'the positive control loads the package');
  });
});
