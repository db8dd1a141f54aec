/**
 * Why the kit turns Express's request and response objects into dictionary-mode objects before
 * it adds its own properties (issue 19; figures in bench/http/RESULTS.md; the cost of one add
 * after the prototype change alone: `npx tsx bench/http/prototype-maps.ts`).
 *
 * Express gives every request and response a new prototype (`Object.setPrototypeOf` in
 * `app.handle`; `expressInit` in Express 4). After that, V8 shares no hidden class between two
 * requests for what is added later: the router's `req.next`/`req.baseUrl`, Express's
 * `res.locals`, then the kit's `req.requestId`, `req.user`, `req.auth`, `req.rateLimit` and the
 * access log's `res.write`. Each add builds a map of its own and copies the object's ~40
 * descriptors (about 1.4 µs and 1.3 KB of garbage), and, since no two requests share a map,
 * every later property read of the object (in Express, in Node's http, in the kit) misses its
 * inline cache. In a dictionary-mode object an add is a hash insert that builds no map, and
 * such objects usually share one map (V8 caches it, emptying the cache at full GCs), so reads hit
 * the cache again.
 *
 * Nothing observable changes: the object keeps its properties, their order, its prototype and
 * its identity; one own symbol (`SETTLED`; `Object.keys`, `for…in` and `JSON.stringify` skip
 * symbols, `Object.getOwnPropertySymbols` and an object spread see it, as they see the request
 * context's symbol) marks it as done. On an engine that does not behave this way it costs one
 * symbol store and one delete per object.
 */

/** Marks an object `settleShape()` has already handled. */
const SETTLED = Symbol('express-platform-kit.settled');
/** Added, then deleted: deleting a property that is not the last one added normalizes the object. */
const PAD = Symbol('express-platform-kit.pad');

type Settleable = Record<symbol, unknown>;

/**
 * Puts `target` (an Express request or response) in dictionary mode, once: call it before
 * adding properties to an object whose prototype Express changed. Cheap when already done; a
 * frozen or non-extensible object is left as it is.
 */
export function settleShape(target: object): void {
  const object = target as Settleable;
  if (object[SETTLED] !== undefined || !Object.isExtensible(object)) return;
  object[PAD] = undefined;
  object[SETTLED] = true;
  delete object[PAD];
}
