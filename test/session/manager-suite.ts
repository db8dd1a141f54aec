/**
 * One behaviour suite run against every backend (memory, Redis, Redis Cluster).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SessionManager, type SessionManagerOptions } from '../../lib/session/index.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function sessionManagerSuite(backend: 'memory' | 'redis', options: () => SessionManagerOptions): void {
  const manager = (extra: SessionManagerOptions = {}) => new SessionManager({ ...options(), ...extra });

  it(`uses the ${backend} backend`, () => {
    assert.equal(manager().backend, backend);
  });

  it('creates a 46-character base64url id that validates to the session', async () => {
    const sessions = manager();
    const id = await sessions.create('user-1', { ip: '10.0.0.1', userAgent: 'UA/1', metadata: { role: 'admin', n: 1 } });
    assert.match(id, /^[A-Za-z0-9_-]{46}$/);
    const result = await sessions.validate(id, { ip: '10.0.0.1', userAgent: 'UA/1' });
    assert.ok(result.valid);
    assert.equal(result.session.userId, 'user-1');
    assert.deepEqual(result.session.metadata, { role: 'admin', n: 1 });
    assert.equal(result.session.ip, '10.0.0.1');
    assert.deepEqual(result.securityIssues, []);
    assert.ok(result.session.expiresAt - result.session.lastSeenAt === sessions.ttlSeconds * 1000);
    assert.ok(!JSON.stringify(result).includes(id), 'the id is never part of the session object');
  });

  it('gives each session a distinct id', async () => {
    const sessions = manager();
    const ids = await Promise.all(Array.from({ length: 20 }, () => sessions.create('user-dup')));
    assert.equal(new Set(ids).size, 20);
  });

  it('reports unknown and malformed ids', async () => {
    const sessions = manager();
    const id = await sessions.create('user-2');
    const other = id.slice(0, 10) + (id[10] === 'A' ? 'B' : 'A') + id.slice(11);
    assert.deepEqual(await sessions.validate(other), { valid: false, reason: 'session_not_found' });
    for (const bad of ['', 'short', id + 'x', id.slice(0, -1) + '!', 42, null, undefined, { id }, '../../etc/passwd'.padEnd(46, 'a')]) {
      const result = await sessions.validate(bad);
      assert.equal(result.valid, false);
      assert.ok(!result.valid && ['validation_error', 'session_not_found'].includes(result.reason));
    }
  });

  it('flags IP and user-agent changes as security issues (hijack signals)', async () => {
    const sessions = manager();
    const id = await sessions.create('user-3', { ip: '10.0.0.1', userAgent: 'Firefox' });
    const ipOnly = await sessions.validate(id, { ip: '10.9.9.9', userAgent: 'Firefox' });
    assert.ok(ipOnly.valid);
    assert.deepEqual(ipOnly.securityIssues, ['ip_change']);
    const both = await sessions.validate(id, { ip: '10.9.9.9', userAgent: 'curl/8' });
    assert.ok(both.valid);
    assert.deepEqual(both.securityIssues, ['ip_change', 'user_agent_change']);
    // comparisons are always with the values recorded at creation
    const back = await sessions.validate(id, { ip: '10.0.0.1', userAgent: 'Firefox' });
    assert.ok(back.valid);
    assert.deepEqual(back.securityIssues, []);
  });

  it('destroys one session', async () => {
    const sessions = manager();
    const id = await sessions.create('user-4');
    const keep = await sessions.create('user-4');
    assert.equal(await sessions.destroy(id), true);
    assert.equal(await sessions.destroy(id), false);
    assert.deepEqual(await sessions.validate(id), { valid: false, reason: 'session_not_found' });
    assert.equal((await sessions.validate(keep)).valid, true);
  });

  it('destroys every session of one user and no other user', async () => {
    const sessions = manager();
    const user = `user-all-${Math.random()}`;
    const ids = await Promise.all(Array.from({ length: 5 }, () => sessions.create(user)));
    const other = await sessions.create(`${user}-other`);
    assert.equal(await sessions.destroyAllForUser(user), 5);
    for (const id of ids) assert.deepEqual(await sessions.validate(id), { valid: false, reason: 'session_not_found' });
    assert.equal((await sessions.validate(other)).valid, true);
    assert.equal(await sessions.destroyAllForUser(user), 0);
    const fresh = await sessions.create(user);
    assert.equal((await sessions.validate(fresh)).valid, true, 'a session created after destroy-all lives');
  });

  it('validates one session from 50 concurrent requests, all valid', async () => {
    const sessions = manager();
    const id = await sessions.create('user-5', { ip: '10.0.0.1' });
    const results = await Promise.all(Array.from({ length: 50 }, () => sessions.validate(id, { ip: '10.0.0.1' })));
    assert.ok(results.every((r) => r.valid && r.securityIssues.length === 0));
  });

  it('slides the expiry on each validation and expires when idle', async function () {
    this.timeout(10_000);
    const sessions = manager({ ttlSeconds: 1 });
    const id = await sessions.create('user-6');
    await sleep(600);
    assert.equal((await sessions.validate(id)).valid, true);
    await sleep(600);
    assert.equal((await sessions.validate(id)).valid, true, 'alive 1.2 s after creation thanks to sliding expiry');
    await sleep(1100);
    assert.deepEqual(await sessions.validate(id), { valid: false, reason: 'session_expired' });
  });

  it('never resurrects an expired session, even under 50 concurrent validations', async function () {
    this.timeout(10_000);
    const sessions = manager({ ttlSeconds: 1 });
    const id = await sessions.create('user-7');
    await sleep(1100);
    const results = await Promise.all(Array.from({ length: 50 }, () => sessions.validate(id)));
    assert.ok(results.every((r) => !r.valid && r.reason === 'session_expired'), JSON.stringify(results[0]));
    assert.equal((await sessions.validate(id)).valid, false);
    assert.equal(await sessions.destroyAllForUser('user-7'), 0, 'expired sessions are not counted as live');
  });

  it('rejects bad input to create with ERR_VALIDATION', async () => {
    const sessions = manager();
    await assert.rejects(sessions.create(''), { code: 'ERR_VALIDATION' });
    await assert.rejects(sessions.create(42 as unknown as string), { code: 'ERR_VALIDATION' });
    await assert.rejects(sessions.create('u', { metadata: { big: 'x'.repeat(9000) } }), { code: 'ERR_VALIDATION' });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await assert.rejects(sessions.create('u', { metadata: cyclic }), { code: 'ERR_VALIDATION' });
    await assert.rejects(sessions.create('u', { ip: 5 as unknown as string }), { code: 'ERR_VALIDATION' });
  });

  it('answers hostile ids with not_found/validation_error, never a throw (fast-check)', async () => {
    const sessions = manager();
    await sessions.create('user-hostile');
    const ids = fc.oneof(fc.string({ maxLength: 100 }), fc.stringMatching(/^[A-Za-z0-9_-]{46}$/), fc.anything());
    await fc.assert(
      fc.asyncProperty(ids, async (id) => {
        const result = await sessions.validate(id, { ip: id as string, userAgent: id as string });
        assert.ok(!result.valid && ['validation_error', 'session_not_found'].includes(result.reason));
        assert.equal(await sessions.destroy(id), false);
      }),
      { numRuns: 150 },
    );
  });
}
