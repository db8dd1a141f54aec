import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { z } from 'zod';
import {
  ConfigError, emitKitWarning, envBool, envEnum, envInt, envList, envString, parseEnvSettings, readDotEnv, resetKitWarnings,
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

  it('reads a .env file without touching process.env', () => {
    const dir = mkdtempSync(join(tmpdir(), 'epk-env-'));
    const file = join(dir, '.env');
    writeFileSync(file, 'EPK_TEST_FROM_FILE="hello"\n# comment\n');
    assert.equal(readDotEnv(file).EPK_TEST_FROM_FILE, 'hello');
    assert.equal(process.env.EPK_TEST_FROM_FILE, undefined);
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
