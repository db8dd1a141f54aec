/**
 * Rewrites bench/RESULTS.md from every bench/<name>/RESULTS.md (each written by its own
 * benchmark, with the command that produced it).
 *
 *   npx tsx bench/merge-results.ts
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ORDER = ['http', 'jwt', 'rate-limit', 'logging', 'openapi', 'api-key', 'sync', 'session'];

export function mergeResults(dir = 'bench'): string {
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'RESULTS.md')))
    .map((entry) => entry.name)
    .sort((a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b));
  const sections = names.map((name) => {
    const text = readFileSync(join(dir, name, 'RESULTS.md'), 'utf8').trim();
    // Demote headings one level so each benchmark is a section of this page.
    const demoted = text.replace(/^(#+) /gm, '#$1 ');
    return `${demoted}\n\n(source: [bench/${name}/RESULTS.md](${name}/RESULTS.md))`;
  });
  const text = [
    '# Benchmark results',
    '',
    'Every benchmark runs the kit and its peer libraries side by side in one run on the same',
    'machine (2 cores, Node 20) and prints ratios; absolute figures move with the machine, the',
    'ratios are what to read. Each section names the command that produced it; `npm run bench`',
    'runs them all and rewrites this page.',
    '',
    ...sections.flatMap((section) => [section, '']),
  ].join('\n');
  writeFileSync(join(dir, 'RESULTS.md'), text);
  return text;
}

if (process.argv[1]?.endsWith('merge-results.ts')) mergeResults();
