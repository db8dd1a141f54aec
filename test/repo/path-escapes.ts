/**
 * Finds references in the repository's files that point outside the repository: a relative
 * path whose `..` segments climb above the root when resolved from the directory of the file
 * that names it (how `import`, `new URL(x, import.meta.url)`, `resolve(import.meta.dirname, x)`
 * and Markdown links resolve), and tracked symlinks whose target lies outside.
 *
 * Why from the file's directory: that is how every relative reference in this repository is
 * written, so `../../lib/x.js` in test/a/b.test.ts is the root's lib/ (fine) while one more
 * `../` there names a sibling of the clone (which a fresh clone does not have).
 */
import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** One reference that leaves the repository. */
export interface PathEscape {
  /** The file naming it, relative to the root (POSIX separators). */
  file: string;
  /** 1-based line, 0 for a symlink. */
  line: number;
  /** The reference as written. */
  reference: string;
}

// A token is a maximal run of characters that can appear in a path as written in code, shell
// or Markdown; quotes, brackets, commas and the like end it.
const TOKEN = /(?<![^\s'"`()<>[\]{},;|])[^\s'"`()<>[\]{},;|]+/g;
// `file:../x` (package.json) and `npm:x`: drop a scheme that is not a URL (`https://` is kept,
// and then skipped as absolute).
const SCHEME = /^[a-z][a-z0-9+.-]*:(?!\/\/)/i;

/** Whether `target` (absolute) lies outside `root`. */
export function isOutside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
}

/**
 * The references in `text` (the content of `file`, relative to `root`) that resolve outside
 * `root`. Only relative references with a `..` segment can climb; absolute ones (`/tmp`,
 * `https://…`, `${dir}/..`) are not the repository's to judge.
 */
export function findTextEscapes(root: string, file: string, text: string): PathEscape[] {
  const from = dirname(resolve(root, file));
  const escapes: PathEscape[] = [];
  text.split('\n').forEach((content, index) => {
    for (const [token] of content.matchAll(TOKEN)) {
      const reference = token.replace(SCHEME, '').replace(/[?#].*$/, '').replace(/[.:]+$/, (tail) => (tail.startsWith('..') ? tail : ''));
      if (reference.startsWith('/') || reference.includes('://') || reference.includes('\\') || !reference.split('/').includes('..')) continue;
      if (isOutside(root, resolve(from, reference))) escapes.push({ file, line: index + 1, reference: token });
    }
  });
  return escapes;
}

/** A symlink at `file` (relative to `root`) whose target lies outside `root`, if it is one. */
export function findLinkEscape(root: string, file: string): PathEscape | undefined {
  const path = resolve(root, file);
  if (!lstatSync(path).isSymbolicLink()) return undefined;
  const target = readlinkSync(path);
  return isOutside(root, resolve(dirname(path), target)) ? { file, line: 0, reference: target } : undefined;
}

// Outside a git checkout (an unpacked archive) the files are walked instead, minus what
// .gitignore keeps out of a clone.
const UNTRACKED = new Set(['.git', 'node_modules', 'dist', 'logs', 'test-artifacts', '.tmp']);

/** The repository's files, relative to `root`: `git ls-files`, else a walk of the tree. */
export function listRepositoryFiles(root: string): string[] {
  try {
    const out = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return out.split('\0').filter(Boolean);
  } catch {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
        if (UNTRACKED.has(entry.name) || entry.name.endsWith('.tgz')) continue;
        const path = dir ? `${dir}/${entry.name}` : entry.name;
        if (entry.isDirectory()) walk(path);
        else files.push(path);
      }
    };
    walk('');
    return files;
  }
}

/** Every reference out of the repository at `root`, over all its files. */
export function findRepositoryEscapes(root: string): PathEscape[] {
  const escapes: PathEscape[] = [];
  for (const file of listRepositoryFiles(root)) {
    let link: PathEscape | undefined;
    try {
      link = findLinkEscape(root, file);
    } catch {
      continue; // listed by git but deleted in the work tree
    }
    if (link) {
      escapes.push(link);
      continue;
    }
    const bytes = readFileSync(resolve(root, file));
    if (bytes.subarray(0, 8000).includes(0)) continue; // binary (images)
    escapes.push(...findTextEscapes(root, file, bytes.toString('utf8')));
  }
  return escapes;
}
