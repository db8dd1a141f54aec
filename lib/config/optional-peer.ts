/**
 * The kit's one loader of optional peer dependencies (`@opentelemetry/api` today): a
 * synchronous `require` resolved from the kit's own location (so the app's copy is found), run
 * once per specifier per process. Callers decide what absence means: logging carries on
 * without trace fields, a factory that needs the package throws a ConfigError.
 * `import.meta.url` is shimmed in the CommonJS build (tsup `shims: true`).
 */
import { createRequire } from 'node:module';

/** What loading an optional peer gave: the module, or why not (`missing`: not installed). */
export type OptionalPeer = { loaded: true; module: unknown } | { loaded: false; missing: boolean; error: unknown };

const peers = new Map<string, OptionalPeer>();

/** Loads `specifier` once (the answer, failure included, is remembered). Never throws. */
export function loadOptionalPeer(specifier: string): OptionalPeer {
  let peer = peers.get(specifier);
  if (peer === undefined) {
    try {
      peer = { loaded: true, module: createRequire(import.meta.url)(specifier) };
    } catch (error) {
      peer = { loaded: false, missing: (error as { code?: unknown } | null)?.code === 'MODULE_NOT_FOUND', error };
    }
    peers.set(specifier, peer);
  }
  return peer;
}
