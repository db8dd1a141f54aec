#!/usr/bin/env node
// `platform-kit` command line. In a checkout of the kit (lib/ present and tsx installed) it
// runs the TypeScript sources, so `npm run docs:openapi` never uses a stale build; an
// installed package runs the compiled dist/ files.
import { existsSync } from 'node:fs';

const source = new URL('../lib/openapi/cli.ts', import.meta.url);
const built = new URL('../dist/openapi/index.js', import.meta.url);

async function loadCli() {
  if (existsSync(source)) {
    try {
      const { register } = await import('tsx/esm/api');
      register();
      globalThis[Symbol.for('express-platform-kit.tsx-registered')] = true;
      return await import(source.href);
    } catch (error) {
      if (!existsSync(built)) throw error;
    }
  }
  return import(built.href);
}

try {
  const { runPlatformKitCli } = await loadCli();
  process.exitCode = await runPlatformKitCli(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`platform-kit: cannot start: ${error?.message ?? error}\n`);
  process.exitCode = 1;
}
