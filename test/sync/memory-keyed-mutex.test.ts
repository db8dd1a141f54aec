import assert from 'node:assert/strict';
import { ConfigError } from '../../lib/config/index.js';
import { createKeyedMutex, MemoryKeyedMutex, type KeyedMutexOptions } from '../../lib/sync/index.js';
import { keyedMutexContract } from './fixtures/mutex-contract.js';

keyedMutexContract('MemoryKeyedMutex', (options) => new MemoryKeyedMutex(options), (mutex) => mutex, 'memory keyed mutex');

describe('MemoryKeyedMutex options', () => {
  it('fails at construction with one ConfigError naming every bad option', () => {
    assert.throws(
      () => new MemoryKeyedMutex({ timeoutMs: 0, maxLocks: -1, extendEveryMs: 1.5 } as KeyedMutexOptions),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        const names = error.issues.map((issue) => issue.variable);
        assert.ok(names.includes('timeoutMs') && names.includes('maxLocks') && names.includes('extendEveryMs'), names.join());
        return true;
      },
    );
    assert.throws(() => new MemoryKeyedMutex({ timeoutMs: 1000, extendEveryMs: 1000 }), /extendEveryMs/);
    assert.throws(() => new MemoryKeyedMutex({ timeoutMs: 1000, unknown: 1 } as KeyedMutexOptions), ConfigError);
  });

  it('createKeyedMutex() without redis or REDIS_URL is the memory mutex', () => {
    assert.ok(createKeyedMutex({ env: {} }) instanceof MemoryKeyedMutex);
  });
});
