/**
 * A fresh clone must be complete: no file of the repository may refer to a path outside it
 * (a fixture read from a sibling directory crashed `npm test` before any test ran).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findLinkEscape, findRepositoryEscapes, findTextEscapes } from './path-escapes.js';

const root = resolve(import.meta.dirname, '../..');
// Written as `up(3)` rather than literally, so this file does not name an escape itself.
const up = (levels: number) => Array.from({ length: levels }, () => '..').join('/');

describe('repository: no file refers to a path outside the repository', () => {
  it('finds no tracked file whose relative references climb above the root', function () {
    this.timeout(20_000);
    const escapes = findRepositoryEscapes(root).map(({ file, line, reference }) => `${file}:${line}: ${reference}`);
    assert.deepEqual(escapes, [], 'copy what the repository needs inside it (a test fixture goes beside its test, e.g. test/api-key/fixtures/)');
  });

  describe('the scanner', () => {
    const fake = '/srv/clone';
    const refs = (file: string, text: string) => findTextEscapes(fake, file, text).map((found) => found.reference);

    it('flags a fixture read from a sibling of the clone', () => {
      const text = `readFileSync(new URL('${up(3)}/shared/vectors/v.json', import.meta.url))`;
      assert.deepEqual(refs('test/api-key/key-manager.test.ts', text), [`${up(3)}/shared/vectors/v.json`]);
    });

    it('flags an escape from the root itself and one hidden behind a normal segment', () => {
      assert.deepEqual(refs('README.md', `see [the design](${up(1)}/shared/DESIGN.md)`), [`${up(1)}/shared/DESIGN.md`]);
      assert.deepEqual(refs('lib/a/b.ts', `import x from './c/${up(4)}/d.js';`), [`./c/${up(4)}/d.js`]);
      assert.deepEqual(refs('package.json', `"dep": "file:${up(1)}/other"`), [`file:${up(1)}/other`]);
    });

    it('accepts normal relative imports, links and root lookups', () => {
      const text = [
        `import { rateLimit } from '${up(2)}/lib/rate-limit/index.js';`,
        `import { startRedis } from '${up(1)}/support/redis-server.js';`,
        `const repo = resolve(import.meta.dirname, '${up(2)}');`,
        `const hostile = '${up(2)}/etc/passwd';`,
      ].join('\n');
      assert.deepEqual(refs('test/rate-limit/x.test.ts', text), []);
      assert.deepEqual(refs('docs/auth.md', `[errors](errors.md) and [the README](${up(1)}/README.md)`), []);
      assert.deepEqual(refs('.ci/run', 'cd "$(dirname "$0")/.."'), []);
    });

    it('leaves absolute paths, URLs and prose alone', () => {
      const text = 'cat /etc/hosts; curl https://example.test/a/../b; spread(...args); wait... then 1..10';
      assert.deepEqual(refs('README.md', text), []);
    });

    it('reports the line of each escape', () => {
      const [found] = findTextEscapes(fake, 'docs/x.md', `a\nb\n[x](${up(2)}/y.md)`);
      assert.deepEqual(found, { file: 'docs/x.md', line: 3, reference: `${up(2)}/y.md` });
    });

    it('flags a symlink whose target lies outside, not one that stays inside', () => {
      const work = mkdtempSync(join(tmpdir(), 'epk-links-'));
      try {
        mkdirSync(join(work, 'repo', 'test'), { recursive: true });
        writeFileSync(join(work, 'repo', 'test', 'inside.json'), '{}');
        writeFileSync(join(work, 'outside.json'), '{}');
        symlinkSync(`${up(2)}/outside.json`, join(work, 'repo', 'test', 'out.json'));
        symlinkSync('inside.json', join(work, 'repo', 'test', 'in.json'));
        const repo = join(work, 'repo');
        assert.deepEqual(findLinkEscape(repo, 'test/out.json'), { file: 'test/out.json', line: 0, reference: `${up(2)}/outside.json` });
        assert.equal(findLinkEscape(repo, 'test/in.json'), undefined);
        assert.equal(findLinkEscape(repo, 'test/inside.json'), undefined);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    });
  });
});
