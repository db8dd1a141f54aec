import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { z } from 'zod';
import {
  ConfigError, emitKitWarning, envBool, envEnum, envInt, envList, envString, parseEnvSettings, readDotEnv, loadDotEnv, resolveEnv, resetKitWarnings,
} from '../../lib/config/index.js';

const schema = z.object({
  NAME: envString(),
  PORT: envInt({ min: 1, max: 65535, default: 6379 }),
  ENABLED: envBool(false),
  LEVEL: envEnum(['DEBUG', 'INFO'] as const, 'INFO'),
  LIST: envList(['a']),
});

describe('config: settings over the environment', () => {
  it('applies defaults, trims, and parses types', () => {
    const settings = parseEnvSettings(schema, { NAME: '  svc ', PORT: ' 8080', ENABLED: 'Yes', LEVEL: 'debug', LIST: 'x, y,,z' });
    assert.deepEqual(settings, { NAME: 'svc', PORT: 8080, ENABLED: true, LEVEL: 'DEBUG', LIST: ['x', 'y', 'z'] });
    assert.deepEqual(parseEnvSettings(schema, { NAME: '   ' }), { NAME: undefined, PORT: 6379, ENABLED: false, LEVEL: 'INFO', LIST: ['a'] });
  });

  it('fails once, naming every bad variable, with ERR_CONFIG_INVALID', () => {
    assert.throws(
      () => parseEnvSettings(schema, { PORT: '70000', ENABLED: 'maybe', LEVEL: 'LOUD' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.code, 'ERR_CONFIG_INVALID');
        assert.deepEqual(err.issues.map((i) => i.variable).sort(), ['ENABLED', 'LEVEL', 'PORT']);
        assert.match(err.message, /PORT: must be between 1 and 65535/);
        assert.match(err.message, /ENABLED: must be true or false/);
        assert.doesNotMatch(err.message, /70000|maybe|LOUD/, 'values are never echoed (they may be secrets)');
        return true;
      },
    );
  });

  it('never throws anything but a ConfigError for arbitrary strings', () => {
    fc.assert(fc.property(fc.dictionary(fc.constantFrom('NAME', 'PORT', 'ENABLED', 'LEVEL', 'LIST'), fc.string()), (env) => {
      try {
        parseEnvSettings(schema, env);
      } catch (err) {
        assert.ok(err instanceof ConfigError);
      }
    }));
  });

  it('loads a .env file into process.env without overriding variables already set', () => {
    const dir = mkdtempSync(join(tmpdir(), 'epk-env-'));
    const file = join(dir, '.env');
    writeFileSync(file, 'EPK_TEST_FROM_FILE="hello"\n# comment\nEPK_TEST_PRESET=from-file\nEPK_TEST_EMPTY_SET=from-file\n');
    process.env.EPK_TEST_PRESET = 'real';
    process.env.EPK_TEST_EMPTY_SET = '';
    try {
      assert.equal(readDotEnv(file).EPK_TEST_FROM_FILE, 'hello', 'readDotEnv only reads');
      assert.equal(process.env.EPK_TEST_FROM_FILE, undefined);
      assert.equal(loadDotEnv(file).EPK_TEST_FROM_FILE, 'hello');
      assert.equal(process.env.EPK_TEST_FROM_FILE, 'hello', 'libraries reading process.env see it');
      assert.equal(process.env.EPK_TEST_PRESET, 'real', 'the real environment wins');
      assert.equal(process.env.EPK_TEST_EMPTY_SET, '', 'a variable set to empty is still set');
    } finally {
      for (const name of ['EPK_TEST_FROM_FILE', 'EPK_TEST_PRESET', 'EPK_TEST_EMPTY_SET']) delete process.env[name];
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('resolveEnv() loads the working directory\'s .env into process.env on first use', () => {
    const dir = mkdtempSync(join(tmpdir(), 'epk-env-cwd-'));
    writeFileSync(join(dir, '.env'), 'EPK_TEST_CWD_VAR=from-cwd\n');
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const env = resolveEnv();
      assert.equal(env, process.env);
      assert.equal(process.env.EPK_TEST_CWD_VAR, 'from-cwd');
      assert.deepEqual(resolveEnv({ ONLY: 'this' }), { ONLY: 'this' }, 'an explicit env is used as given');
    } finally {
      process.chdir(cwd);
      delete process.env.EPK_TEST_CWD_VAR;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('config: coded warnings', () => {
  it('emits each code once per key through process warnings', async () => {
    resetKitWarnings();
    const seen: (Error & { code?: string })[] = [];
    const listener = (warning: Error & { code?: string }) => seen.push(warning);
    process.on('warning', listener);
    try {
      assert.equal(emitKitWarning('WARN_REDIS_CONNECTION', 'first'), true);
      assert.equal(emitKitWarning('WARN_REDIS_CONNECTION', 'again'), false);
      assert.equal(emitKitWarning('WARN_REDIS_CONNECTION', 'other key', 'k2'), true);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(seen.filter((w) => w.code === 'WARN_REDIS_CONNECTION').map((w) => w.message), ['first', 'other key']);
      assert.equal(seen[0]?.name, 'KitWarning');
    } finally {
      process.off('warning', listener);
    }
  });
});
