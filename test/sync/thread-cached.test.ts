import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { ConfigError } from '../../lib/config/index.js';
import { cached, clearAllThreadCache, clearThreadCache, getCacheStats, threadCached } from '../../lib/sync/index.js';
import { square } from './fixtures/cached-module.js';

describe('threadCached', () => {
  it('runs a sync function once per distinct arguments, keyed by value', () => {
    let calls = 0;
    const describeUser = threadCached(function describeUser(user: { id: number; tags?: string[] }, verbose?: boolean) {
      calls++;
      return `${user.id}:${verbose ? user.tags?.join('|') : ''}`;
    });
    assert.equal(describeUser({ id: 1, tags: ['a'] }, true), '1:a');
    assert.equal(describeUser({ tags: ['a'], id: 1 }, true), '1:a'); // property order does not matter
    assert.equal(describeUser({ id: 1 }), '1:');
    assert.equal(describeUser({ id: 1 }, undefined), '1:'); // trailing undefined = omitted
    assert.equal(calls, 2);
    assert.deepEqual(describeUser.cacheStats(), { name: 'describeUser', kind: 'thread', entries: 2, hits: 2, misses: 2 });
  });

  it('shares one in-flight promise between concurrent async calls', async () => {
    let calls = 0;
    let finish!: (value: string) => void;
    const load = threadCached(async function load(id: string) {
      calls++;
      return new Promise<string>((resolve) => (finish = resolve)).then((v) => `${id}:${v}`);
    });
    const pending = [load('a'), load('a'), load('a')];
    assert.equal(calls, 1);
    assert.equal(load.cacheStats().entries, 1);
    await new Promise((resolve) => setImmediate(resolve));
    finish('done');
    assert.deepEqual(await Promise.all(pending), ['a:done', 'a:done', 'a:done']);
    assert.equal(await load('a'), 'a:done');
    assert.equal(calls, 1);
    assert.deepEqual([load.cacheStats().hits, load.cacheStats().misses], [3, 1]);
  });

  it('does not cache rejections or throws: the next call runs again', async () => {
    let attempts = 0;
    const flaky = threadCached(async (n: number) => {
      attempts++;
      if (attempts === 1) throw new Error('first call fails');
      return n * 2;
    });
    const [a, b] = await Promise.allSettled([flaky(2), flaky(2)]);
    assert.equal(a.status, 'rejected');
    assert.equal(b.status, 'rejected'); // joined the same failing call
    assert.equal(flaky.cacheStats().entries, 0);
    assert.equal(await flaky(2), 4);
    assert.equal(attempts, 2);

    let syncAttempts = 0;
    const parse = threadCached((text: string) => {
      syncAttempts++;
      if (syncAttempts === 1) throw new SyntaxError('bad');
      return text.length;
    });
    assert.throws(() => parse('x'), SyntaxError);
    assert.equal(parse('x'), 1);
    assert.equal(parse('x'), 1);
    assert.equal(syncAttempts, 2);
  });

  it('caches undefined and null results too', () => {
    let calls = 0;
    const nothing = threadCached((_k: string) => {
      calls++;
      return undefined;
    });
    nothing('k');
    nothing('k');
    assert.equal(calls, 1);
  });

  it('keys methods by their receiver, so two instances never share results', () => {
    class Account {
      constructor(readonly balance: number) {}
      doubled = threadCached(function (this: Account) {
        return this.balance * 2;
      });
    }
    const shared = threadCached(function (this: { balance: number }) {
      return this.balance;
    });
    assert.equal(shared.call({ balance: 1 }), 1);
    assert.equal(shared.call({ balance: 2 }), 2);
    assert.equal(new Account(5).doubled(), 10);
  });

  it('distinguishes BigInt, Date, -0, NaN and strings that look alike', () => {
    const identity = threadCached((value: unknown) => ({ value }));
    const inputs = [1, '1', 1n, -0, 0, NaN, 'NaN', null, 'null', new Date(0), 0n, [1], { 0: 1 }, new Set([1]), new Map([[1, 1]])];
    const results = inputs.map((input) => identity(input));
    assert.equal(new Set(results).size, inputs.length);
    assert.equal(identity(new Date(0)), identity(new Date(0)));
    assert.equal(identity(NaN), identity(NaN));
  });

  it('clearCache, clearThreadCache and clearAllThreadCache empty caches and reset stats', () => {
    const one = threadCached((n: number) => n + 1);
    const two = cached((n: number) => n + 2, { maxSize: 10 });
    one(1);
    one(1);
    two(1);
    one.clearCache();
    assert.deepEqual([one.cacheStats().entries, one.cacheStats().hits], [0, 0]);
    one(1);
    assert.equal(clearThreadCache(one), true);
    assert.equal(clearThreadCache(() => 1), false);
    one(1);
    clearAllThreadCache();
    assert.equal(one.cacheStats().entries, 0);
    assert.equal(two.cacheStats().entries, 0);
  });

  it('getCacheStats lists every cached function of this thread with entries, hits and misses', () => {
    const statsProbe = threadCached(function statsProbe(n: number) {
      return n;
    });
    statsProbe(1);
    statsProbe(1);
    statsProbe(2);
    const mine = getCacheStats().find((s) => s.name === 'statsProbe');
    assert.deepEqual(mine, { name: 'statsProbe', kind: 'thread', entries: 2, hits: 1, misses: 2 });
  });

  it('keeps caches per worker thread: a worker starts empty and does not fill ours', async function () {
    this.timeout(20_000);
    square.clearCache();
    square(3);
    // tsx's loader is registered inside the worker before the TypeScript entry is imported
    // (Node 20 does not apply `--import` from a Worker's execArgv to its entry).
    const entry = new URL('./fixtures/thread-cache-worker.ts', import.meta.url).href;
    const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
    const worker = new Worker(bootstrap, { eval: true });
    const [report] = (await once(worker, 'message')) as [{ before: { entries: number }; after: { entries: number; hits: number; misses: number }; computations: number; all: string[] }];
    await worker.terminate();
    assert.equal(report.before.entries, 0); // our entry for 3 is not visible there
    assert.deepEqual([report.after.entries, report.after.hits, report.after.misses], [1, 1, 1]);
    assert.equal(report.computations, 1);
    assert.ok(report.all.includes('square'));
    assert.deepEqual([square.cacheStats().entries, square.cacheStats().misses, square.cacheStats().hits], [1, 1, 0]); // theirs did not reach us
  });
});

describe('cached (bounded, expiring)', () => {
  it('evicts the least recently used result beyond maxSize', () => {
    const seen: number[] = [];
    const f = cached((n: number) => (seen.push(n), n), { maxSize: 2 });
    f(1);
    f(2);
    f(1); // 1 is now most recent
    f(3); // evicts 2
    f(1);
    f(2);
    assert.deepEqual(seen, [1, 2, 3, 2]);
    assert.equal(f.cacheStats().entries, 2);
    assert.equal(f.cacheStats().kind, 'bounded');
  });

  it('forgets results after ttlMs', async () => {
    let calls = 0;
    const f = cached(async (n: number) => (calls++, n), { ttlMs: 80, name: 'ttlProbe' });
    await f(1);
    await f(1);
    assert.equal(calls, 1);
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(f.cacheStats().entries, 0);
    await f(1);
    assert.equal(calls, 2);
    assert.ok(getCacheStats().some((s) => s.name === 'ttlProbe'));
  });

  it('rejects bad options with a ConfigError', () => {
    assert.throws(() => cached(() => 1, { maxSize: 0 }), ConfigError);
    assert.throws(() => cached(() => 1, { ttlMs: -5 }), ConfigError);
    assert.throws(() => cached(() => 1, { size: 3 } as never), ConfigError);
  });
});

describe('per-entry delete (fn.delete(...args))', () => {
  for (const [kind, make] of [
    ['threadCached', <F extends (...args: never[]) => unknown>(fn: F) => threadCached(fn)],
    ['cached', <F extends (...args: never[]) => unknown>(fn: F) => cached(fn, { maxSize: 10 })],
  ] as const) {
    it(`${kind}: removes only the entry for those arguments and says whether one was removed`, () => {
      let runs = 0;
      const lookup = make((id: string, options?: { deep: boolean }) => `${id}:${options?.deep ?? false}:${++runs}`);
      assert.equal(lookup('a', { deep: true }), 'a:true:1');
      assert.equal(lookup('b'), 'b:false:2');
      assert.equal(lookup.delete('a', { deep: true }), true);
      assert.equal(lookup.delete('a', { deep: true }), false, 'nothing left to remove');
      assert.equal(lookup.delete('never-called'), false);
      assert.equal(lookup('a', { deep: true }), 'a:true:3', 'recomputed after delete');
      assert.equal(lookup('b'), 'b:false:2', 'other entries kept');
      assert.equal(lookup.cacheStats().entries, 2);
    });

    it(`${kind}: deleting an in-flight promise makes the next call run again`, async () => {
      let runs = 0;
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const load = make(async (id: string) => {
        runs++;
        await gate;
        return id;
      });
      const first = load('x');
      assert.equal(load.delete('x'), true);
      const second = load('x');
      assert.notEqual(second, first);
      release();
      assert.deepEqual(await Promise.all([first, second]), ['x', 'x']);
      assert.equal(runs, 2);
    });
  }

  it('a cached method: delete.call(instance, ...args) removes that instance\'s entry only', () => {
    let runs = 0;
    const total = threadCached(function (this: { base: number }, n: number) {
      runs++;
      return this.base + n;
    });
    const a = { base: 1 };
    const b = { base: 100 };
    assert.equal(total.call(a, 1), 2);
    assert.equal(total.call(b, 1), 101);
    assert.equal(total.delete(1), false, 'no receiver: not the method entries');
    assert.equal(total.delete.call(a, 1), true);
    total.call(a, 1);
    total.call(b, 1);
    assert.equal(runs, 3, 'only a was recomputed');
  });
});
