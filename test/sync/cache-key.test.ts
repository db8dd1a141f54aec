import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stableCacheKey } from '../../lib/sync/index.js';

/** Canonical JSON with sorted keys, the equality stableCacheKey must agree with on JSON values. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record).sort().filter((k) => record[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonical(record[k])}`).join(',')}}`;
  }
  return Object.is(value, -0) ? '-0' : JSON.stringify(value);
}

function shuffledCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shuffledCopy);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).reverse();
    return Object.fromEntries(entries.map(([k, v]) => [k, shuffledCopy(v)]));
  }
  return value;
}

describe('stableCacheKey', () => {
  it('is equal for equal values whatever the property order', () => {
    fc.assert(fc.property(fc.array(fc.jsonValue(), { maxLength: 4 }), (args) => stableCacheKey(args) === stableCacheKey(args.map(shuffledCopy) as unknown[])));
  });

  it('is different for different JSON values (no collisions between types or strings)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        if (canonical(a) === canonical(b)) return true;
        return stableCacheKey([a]) !== stableCacheKey([b]);
      }),
      { numRuns: 2000 },
    );
    assert.notEqual(stableCacheKey(['a,b']), stableCacheKey(['a', 'b']));
    assert.notEqual(stableCacheKey([{ a: '1' }]), stableCacheKey([{ a: 1 }]));
  });

  it('handles cycles, class instances (by identity), Buffers and typed arrays (by bytes) without throwing', () => {
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic.self = cyclic;
    assert.equal(stableCacheKey([cyclic]), stableCacheKey([cyclic]));
    class Client {}
    const one = new Client();
    assert.equal(stableCacheKey([one]), stableCacheKey([one]));
    assert.notEqual(stableCacheKey([one]), stableCacheKey([new Client()]));
    assert.equal(stableCacheKey([Buffer.from('ab')]), stableCacheKey([Buffer.from('ab')]));
    assert.notEqual(stableCacheKey([new Uint8Array([1])]), stableCacheKey([new Uint16Array([1])]));
    assert.equal(stableCacheKey([new Set([1, 2])]), stableCacheKey([new Set([2, 1])]));
    assert.equal(stableCacheKey([Symbol.for('s')]), stableCacheKey([Symbol.for('s')]));
    assert.notEqual(stableCacheKey([Symbol('s')]), stableCacheKey([Symbol('s')]));
  });
});
