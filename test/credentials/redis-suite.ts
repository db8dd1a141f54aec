/**
 * Redis-only behaviour (single node and Cluster): what is actually stored, tampering, key
 * rotation, and many processes writing for one user.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { Cluster, type Redis } from 'ioredis';
import { IntegrationCredentialsStore, type IntegrationCredentialsStoreOptions } from '../../lib/credentials/index.js';
import { isKitError } from '../../lib/errors/index.js';
import { dumpRedis } from './redis-dump.js';
import { describeStoreBehaviour, newKey, secretValue, uniqueId } from './store-suite.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(here, '../..');

const decryptError = (pattern?: RegExp) => (err: unknown) => {
  assert.ok(isKitError(err) && err.code === 'ERR_CREDENTIALS_DECRYPT', String(err));
  if (pattern) assert.match(err.message, pattern);
  return true;
};

function runWorker(args: Record<string, string>): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'add-worker.ts')], {
      cwd: ROOT,
      env: { ...process.env, ...args },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolvePromise(out) : reject(new Error(`worker exited ${code}: ${out}`))));
  });
}

/** `target` is a redis:// URL or `cluster:host:port,host:port`, as the worker understands it. */
export function describeRedisStore(title: string, getClient: () => Redis | Cluster, getWorkerTarget: () => string): void {
  let client: Redis | Cluster;
  const make = (options: IntegrationCredentialsStoreOptions = {}) =>
    new IntegrationCredentialsStore({ redis: client, encryptionKey: newKey(), keyPrefix: `${uniqueId('t')}:`, ...options });

  describeStoreBehaviour(title, () => {
    client = getClient();
    return make;
  });

  describe(`${title}: storage`, function () {
    this.timeout(60_000);
    before(() => {
      client = getClient();
    });

    it('never stores a secret, token, verifier or user id in any key or value (SCAN of everything)', async () => {
      const store = make();
      const user = uniqueId('leakcheck-user');
      const secrets = [secretValue('a'), secretValue('r'), secretValue('k'), secretValue('u'), secretValue('p'), secretValue('h')];
      await store.add(user, { type: 'oauth2', provider: 'github', accessToken: secrets[0]!, refreshToken: secrets[1]!, scopes: [] });
      await store.add(user, { type: 'api_key', provider: 'openai', apiKey: secrets[2]! });
      await store.add(user, { type: 'user_password', provider: 'smtp', username: secrets[3]!, password: secrets[4]! });
      const hosted = await store.add(user, { type: 'host_scoped', provider: 'http', host: 'api.example.com', headers: { 'X-Key': secrets[5]! } });
      assert.equal(hosted.type, 'host_scoped');
      await store.update(user, { ...(hosted as Extract<typeof hosted, { type: 'host_scoped' }>), headers: { 'X-Key': secrets[5]! } });
      const pending = await store.storeOAuthState(user, 'github', ['repo']);
      const used = await store.storeOAuthState(user, 'github', ['repo']);
      await store.verifyOAuthState(user, used.token, 'github');
      const everything = await dumpRedis(client);
      const ours = everything.filter((entry) => entry.key.includes('{'));
      assert.ok(ours.length >= 2, 'the scan sees the records');
      const haystack = everything.map((entry) => `${entry.key}\n${entry.text}`).join('\n');
      for (const needle of [...secrets, pending.token, pending.codeVerifier, used.token, user]) {
        assert.ok(!haystack.includes(needle), `found ${needle.slice(0, 12)}… in Redis`);
      }
    });

    it("keeps all of a user's keys in one hash slot, whatever the user id", async () => {
      const prefix = `${uniqueId('slots')}:`;
      const store = make({ keyPrefix: prefix });
      for (const user of ['{x}', 'a}b{c', uniqueId('plain')]) {
        await store.add(user, { type: 'api_key', provider: 'p', apiKey: secretValue() });
        await store.storeOAuthState(user, 'p', []);
      }
      const keys = (await dumpRedis(client, `${prefix}*`)).map((e) => e.key);
      assert.equal(keys.length, 6);
      const tags = new Map<string, string[]>();
      for (const key of keys) {
        assert.match(key, /^[^{}]+:\{[0-9a-f]{32}\}:(creds|oauth:[0-9a-f]{64})$/);
        const tag = /\{([0-9a-f]{32})\}/.exec(key)![1]!;
        tags.set(tag, [...(tags.get(tag) ?? []), key]);
      }
      assert.equal(tags.size, 3, 'one hash tag per user');
      for (const group of tags.values()) {
        const slots = await Promise.all(group.map((key) => client.call('CLUSTER', 'KEYSLOT', key).catch(() => null)));
        if (client instanceof Cluster) assert.equal(new Set(slots).size, 1, 'one slot per user');
      }
    });

    it('a tampered or moved ciphertext gives ERR_CREDENTIALS_DECRYPT, never garbage', async () => {
      const prefix = `${uniqueId('tamper')}:`;
      const store = make({ keyPrefix: prefix, encryptionKey: `k1:${newKey()}` });
      const [victim, other] = [uniqueId('victim'), uniqueId('other')];
      await store.add(victim, { id: 'c1', type: 'api_key', provider: 'p', apiKey: secretValue() });
      await store.add(other, { id: 'c1', type: 'api_key', provider: 'p', apiKey: secretValue() });
      const hashes = await dumpRedis(client, `${prefix}*:creds`);
      assert.equal(hashes.length, 2);
      const [first, second] = hashes;
      assert.ok(first && second);
      const stored = (await client.hget(first.key, 'c1'))!;
      const flipped = stored.slice(0, -5) + (stored.at(-5) === 'A' ? 'B' : 'A') + stored.slice(-4);
      await client.hset(first.key, 'c1', flipped);
      const owner = (await store.get(victim, 'c1').then(() => other, () => victim));
      await assert.rejects(store.get(owner, 'c1'), decryptError(/authentication failed/));
      await assert.rejects(store.list(owner), decryptError());
      // A valid ciphertext copied into another user's hash, or under another id, does not decrypt there.
      const good = (await client.hget(second.key, 'c1'))!;
      await client.hset(first.key, 'c1', good);
      await client.hset(second.key, 'c2', good);
      await assert.rejects(store.get(owner, 'c1'), decryptError(/authentication failed/));
      await assert.rejects(store.get(owner === victim ? other : victim, 'c2'), decryptError());
      await client.hset(first.key, 'c1', 'plain text, not a ciphertext');
      await assert.rejects(store.get(owner, 'c1'), decryptError(/not a v1 ciphertext/));

      // An OAuth state is stored once (one key), and a tampered one is refused clearly.
      const { token } = await store.storeOAuthState(victim, 'github', ['repo']);
      const states = await dumpRedis(client, `${prefix}*:oauth:*`);
      assert.equal(states.length, 1, 'stored once');
      const sealed = states[0]!.text;
      await client.set(states[0]!.key, sealed.slice(0, -3) + (sealed.at(-3) === 'A' ? 'B' : 'A') + sealed.slice(-2), 'PX', 60_000);
      await assert.rejects(store.verifyOAuthState(victim, token, 'github'), decryptError(/OAuth state/));
      assert.equal(await store.verifyOAuthState(victim, token, 'github'), null, 'consumed even when damaged');
    });

    it('a wrong key gives a clear error; after rotation old records read and are re-encrypted on the next write', async () => {
      const prefix = `${uniqueId('rotate')}:`;
      const [oldKey, newKey2] = [newKey(), newKey()];
      const user = uniqueId('user');
      const secret = secretValue();
      const before = make({ keyPrefix: prefix, encryptionKey: `old:${oldKey}` });
      await before.add(user, { id: 'c1', type: 'api_key', provider: 'p', apiKey: secret });
      const hashKey = (await dumpRedis(client, `${prefix}*:creds`))[0]?.key;
      assert.ok(hashKey);
      assert.match((await client.hget(hashKey, 'c1'))!, /^v1:old:/);

      await assert.rejects(make({ keyPrefix: prefix, encryptionKey: `old:${newKey()}` }).get(user, 'c1'), decryptError(/authentication failed under key 'old'/));
      await assert.rejects(make({ keyPrefix: prefix, encryptionKey: `new:${newKey2}` }).get(user, 'c1'), decryptError(/key id 'old', which is not in ENCRYPTION_KEY/));

      // Ids in the order they are added: list() sorts on addedAt, ties (the same millisecond) by id.
      await before.add(user, { id: 'c2', type: 'api_key', provider: 'p', apiKey: secretValue() });
      const rotated = make({ keyPrefix: prefix, encryptionKey: `new:${newKey2},old:${oldKey}` });
      const read = await rotated.get(user, 'c1');
      assert.ok(read?.type === 'api_key' && read.apiKey.reveal() === secret);
      assert.match((await client.hget(hashKey, 'c1'))!, /^v1:old:/, 'reads do not write');
      await rotated.add(user, { id: 'c3', type: 'api_key', provider: 'p', apiKey: secretValue() });
      assert.match((await client.hget(hashKey, 'c1'))!, /^v1:new:/, 're-encrypted by the next write');
      assert.match((await client.hget(hashKey, 'c3'))!, /^v1:new:/);
      const newOnly = make({ keyPrefix: prefix, encryptionKey: `new:${newKey2}` });
      assert.deepEqual((await newOnly.list(user)).map((c) => c.id), ['c1', 'c2', 'c3']);
      assert.equal(await newOnly.reencrypt(user), 0);
      // reencrypt() on demand, for a user nobody writes to.
      const idle = uniqueId('idle');
      await before.add(idle, { id: 'i1', type: 'api_key', provider: 'p', apiKey: secretValue() });
      await before.add(idle, { id: 'i2', type: 'api_key', provider: 'p', apiKey: secretValue() });
      assert.equal(await rotated.reencrypt(idle), 2);
      assert.equal(await rotated.reencrypt(idle), 0);
      assert.equal((await newOnly.list(idle)).length, 2);
    });

    it('4 processes x 25 concurrent add() for one user: all 100 present', async function () {
      this.timeout(90_000);
      const prefix = `${uniqueId('procs')}:`;
      const key = `main:${newKey()}`;
      const user = `{multi}\n${uniqueId('user')}`;
      const outputs = await Promise.all(
        [0, 1, 2, 3].map((worker) =>
          runWorker({ CRED_TARGET: getWorkerTarget(), CRED_PREFIX: prefix, CRED_KEY: key, CRED_USER: user, CRED_WORKER: String(worker), CRED_COUNT: '25' }),
        ),
      );
      for (const out of outputs) assert.match(out, /added 25/);
      const store = make({ keyPrefix: prefix, encryptionKey: key });
      const listed = await store.list(user);
      assert.equal(listed.length, 100);
      assert.equal(new Set(listed.map((c) => c.id)).size, 100);
      for (let worker = 0; worker < 4; worker++) {
        for (let i = 0; i < 25; i++) assert.ok(listed.some((c) => c.id === `w${worker}-${i}`), `w${worker}-${i} missing`);
      }
    });

    it('4 processes x 25 concurrent add() with a limit of 60: the per-user lock lets exactly 60 in', async function () {
      this.timeout(90_000);
      const prefix = `${uniqueId('limit')}:`;
      const key = `main:${newKey()}`;
      const user = uniqueId('user');
      const outputs = await Promise.all(
        [0, 1, 2, 3].map((worker) =>
          runWorker({ CRED_TARGET: getWorkerTarget(), CRED_PREFIX: prefix, CRED_KEY: key, CRED_USER: user, CRED_WORKER: String(worker), CRED_COUNT: '25', CRED_MAX: '60' }),
        ),
      );
      const added = outputs.map((out) => Number(/added (\d+)/.exec(out)?.[1]));
      assert.equal(added.reduce((a, b) => a + b, 0), 60, `per process: ${added.join(', ')}`);
      assert.equal((await make({ keyPrefix: prefix, encryptionKey: key }).list(user)).length, 60);
    });
  });
}
