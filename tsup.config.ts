import { defineConfig } from 'tsup';

// One entry per public subpath (package.json "exports"). Code splitting is on for both
// formats so shared internals (KitError, the shutdown registry, the shared Redis client)
// exist once per format, not once per subpath.
export const MODULES = ['errors', 'config', 'redis', 'shutdown', 'auth', 'rate-limit', 'logging', 'openapi', 'api-key', 'credentials', 'sync', 'session', 'alerting'] as const;

export default defineConfig({
  entry: {
    index: 'lib/index.ts',
    ...Object.fromEntries(MODULES.map((name) => [`${name}/index`, `lib/${name}/index.ts`])),
  },
  format: ['esm', 'cjs'],
  dts: true,
  splitting: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  outDir: 'dist',
  tsconfig: 'tsconfig.build.json',
  treeshake: false,
  // import.meta.url in the CommonJS build: alerting/otel-meter.ts and logging's trace correlation load the optional peer @opentelemetry/api synchronously.
  shims: true,
});
