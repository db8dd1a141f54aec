import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadOptionalPeer } from '../../lib/config/optional-peer.js';

describe('config: loadOptionalPeer (the one loader of optional peers)', () => {
  it('loads an installed package once and answers the same module again', () => {
    const first = loadOptionalPeer('@opentelemetry/api');
    assert.equal(first.loaded, true);
    assert.equal(typeof (first as { module: { trace?: unknown } }).module.trace, 'object');
    assert.equal(loadOptionalPeer('@opentelemetry/api'), first, 'remembered');
  });

  it('says `missing` for a package that is not installed, without throwing', () => {
    const peer = loadOptionalPeer('@express-platform-kit/not-installed-peer');
    assert.equal(peer.loaded, false);
    assert.equal(peer.loaded === false && peer.missing, true);
  });

  it('tells a package that fails while loading from a missing one (not `missing`, the error kept)', () => {
    const peer = loadOptionalPeer(fileURLToPath(new URL('./fixtures/throws-on-load.cjs', import.meta.url)));
    assert.equal(peer.loaded, false);
    assert.ok(peer.loaded === false && !peer.missing);
    assert.match(String((peer as { error: Error }).error.message), /broken optional peer/);
  });
});
