import assert from 'node:assert/strict';
import { displayName, isAdmin, User, userFromPayload } from '../../lib/auth/index.js';
import { HttpError } from '../../lib/errors/index.js';

function rejected(payload: Record<string, unknown>): HttpError {
  try {
    userFromPayload(payload);
  } catch (err) {
    assert.ok(err instanceof HttpError);
    assert.equal(err.status, 401);
    return err;
  }
  assert.fail('expected a rejection');
}

describe('auth user model', () => {
  it('builds a User from a Supabase payload', () => {
    const user = userFromPayload({
      sub: 'u1',
      email: 'a@example.com',
      phone: '+1555',
      role: 'admin',
      user_metadata: { name: 'Ada' },
      created_at: '2024-01-01T00:00:00Z',
      last_sign_in_at: 1_700_000_000,
    });
    assert.deepEqual(user, {
      id: 'u1',
      email: 'a@example.com',
      phoneNumber: '+1555',
      role: 'admin',
      name: 'Ada',
      createdAt: '2024-01-01T00:00:00Z',
      lastSignIn: new Date(1_700_000_000_000).toISOString(),
    });
    assert.deepEqual(User.parse(user), user);
  });

  it('defaults email and phone to empty and role to user', () => {
    assert.deepEqual(userFromPayload({ sub: 'u2' }), { id: 'u2', email: '', phoneNumber: '', role: 'user' });
    assert.equal(userFromPayload({ sub: 'u2', role: '' }).role, 'user');
  });

  it('treats email: null and phone: null (Supabase phone and anonymous users) as absent', () => {
    assert.deepEqual(userFromPayload({ sub: 'u4', email: null, phone: null }), { id: 'u4', email: '', phoneNumber: '', role: 'user' });
    assert.equal(userFromPayload({ sub: 'u4', email: null, phone: '+1555' }).phoneNumber, '+1555');
    assert.equal(userFromPayload({ sub: 'u4', email: 'a@example.com', phone: null }).email, 'a@example.com');
  });

  it('ignores a non-string user_metadata.name and odd timestamps', () => {
    const user = userFromPayload({ sub: 'u3', user_metadata: { name: 42 }, created_at: { a: 1 } });
    assert.equal(user.name, undefined);
    assert.equal(user.createdAt, undefined);
    assert.equal(userFromPayload({ sub: 'u3', user_metadata: 'odd' }).name, undefined);
  });

  it('rejects a missing sub and wrongly typed claims with coded 401s', () => {
    assert.equal(rejected({}).code, 'ERR_AUTH_USER_ID_MISSING');
    assert.equal(rejected({ sub: '' }).message, 'User ID not found in token');
    for (const payload of [{ sub: 1 }, { sub: 'u', email: 1 }, { sub: 'u', role: null }, { sub: 'u', role: {} }, { sub: 'u', phone: [] }]) {
      const err = rejected(payload);
      assert.equal(err.message, 'Invalid user data in token');
      assert.equal(err.code, 'ERR_AUTH_USER_INVALID');
    }
  });

  it('checks admin case-insensitively', () => {
    assert.equal(isAdmin({ role: 'ADMIN' }), true);
    assert.equal(isAdmin({ role: 'admin' }), true);
    assert.equal(isAdmin({ role: 'administrator' }), false);
    assert.equal(isAdmin({ role: 'user' }), false);
  });

  it('shows name, else email, else phone, else id', () => {
    const base = { id: 'u9', email: '', phoneNumber: '', role: 'user' };
    assert.equal(displayName({ ...base, name: 'Ada', email: 'a@x' }), 'Ada');
    assert.equal(displayName({ ...base, name: '  ', email: 'a@x' }), 'a@x');
    assert.equal(displayName({ ...base, phoneNumber: '+1' }), '+1');
    assert.equal(displayName(base), 'u9');
  });
});
