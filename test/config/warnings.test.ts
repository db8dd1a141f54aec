/**
 * The warning codes are one closed list (`KIT_WARNING_CODES`), and the docs agree with it:
 * docs/config.md's warnings table documents every code, and no page or source file names a
 * `WARN_*` code that the kit cannot emit (a renamed or misspelled code in the docs is a user
 * silencing nothing with PLATFORM_KIT_DISABLE_WARNINGS).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { KIT_WARNING_CODES } from '../../lib/config/warnings.js';

const root = resolve(import.meta.dirname, '../..');
// A code as written anywhere: not the tail of a longer identifier, not `WARN_*` (the family).
const CODE = /(?<![A-Za-z0-9_])WARN_[A-Z0-9_]*[A-Z0-9]/g;

/** The codes in the first column of the tables under docs/config.md's warnings heading. */
function documentedCodes(markdown: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => /^#+ .*warning/i.test(line));
  assert.ok(start >= 0, 'docs/config.md has a heading about warnings');
  const level = /^#+/.exec(lines[start]!)![0].length;
  const section: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const heading = /^(#+) /.exec(line);
    if (heading && heading[1]!.length <= level) break;
    section.push(line);
  }
  return section
    .filter((line) => line.startsWith('|'))
    .flatMap((line) => (line.split('|')[1] ?? '').match(CODE) ?? []);
}

/** Every text file under `dir` (recursively), relative to the root. */
function textFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !/\.(png|jpe?g|gif|ico|woff2?)$/i.test(entry.name))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

describe('config: the closed list of warning codes agrees with the docs', () => {
  const listed = new Set<string>(KIT_WARNING_CODES);

  it('lists each code once, each shaped WARN_<WORDS>', () => {
    assert.equal(listed.size, KIT_WARNING_CODES.length, 'no duplicate code');
    for (const code of KIT_WARNING_CODES) assert.match(code, /^WARN_[A-Z0-9]+(_[A-Z0-9]+)*$/);
  });

  it('documents every code in docs/config.md\'s warnings table, and no other', () => {
    const documented = documentedCodes(readFileSync(join(root, 'docs/config.md'), 'utf8'));
    const missing = KIT_WARNING_CODES.filter((code) => !documented.includes(code));
    const unknown = documented.filter((code) => !listed.has(code));
    assert.deepEqual({ missing, unknown }, { missing: [], unknown: [] });
  });

  it('names no WARN_* code in docs/ or lib/ that is not in KIT_WARNING_CODES', () => {
    const unknown: string[] = [];
    for (const file of [...textFiles('docs'), ...textFiles('lib')]) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const [code] of text.matchAll(CODE)) if (!listed.has(code)) unknown.push(`${file}: ${code}`);
    }
    assert.deepEqual([...new Set(unknown)], []);
  });

  it('finds codes the way the checks above read them (so an empty scan cannot pass)', () => {
    const table = '## Coded warnings\n\n| code | when |\n| --- | --- |\n| `WARN_A_B` | x, not WARN_C |\n\n## Next\n| `WARN_D` | y |';
    assert.deepEqual(documentedCodes(table), ['WARN_A_B']);
    assert.deepEqual([...'WARN_X, KIT_WARN_Y, WARN_* and `WARN_Z_`'.matchAll(CODE)].map(([code]) => code), ['WARN_X', 'WARN_Z']);
    assert.ok(textFiles('lib').includes(join('lib', 'config', 'warnings.ts')));
  });
});
