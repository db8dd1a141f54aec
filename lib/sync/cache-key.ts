/**
 * Stable cache keys for function arguments: equal values give equal keys whatever the
 * property order, and values of different types never collide (every token is tagged).
 *
 * - primitives by value (`-0`, `NaN`, `Infinity`, BigInt, `undefined` each distinct);
 * - plain objects by their sorted own enumerable string keys, skipping `undefined` values
 *   (`{ a: 1, b: undefined }` is `{ a: 1 }`, as in JSON);
 * - arrays, Dates (by time), RegExps, Maps and Sets (order-insensitive), Buffers and typed
 *   arrays (by bytes), boxed primitives, by value;
 * - anything else (class instances, functions, symbols, WeakMaps, promises) by identity;
 * - a cycle becomes a reference to the ancestor it points to.
 */

const identities = new WeakMap<object, number>();
const symbolIds = new Map<symbol, number>();
let nextIdentity = 1;

function identityOf(value: object): string {
  let id = identities.get(value);
  if (id === undefined) {
    id = nextIdentity++;
    identities.set(value, id);
  }
  return `#${id}`;
}

function symbolKey(value: symbol): string {
  const registered = Symbol.keyFor(value);
  if (registered !== undefined) return `sym:for:${JSON.stringify(registered)}`;
  // Unregistered symbols are unique; number them (the map only grows with distinct symbols passed).
  let id = symbolIds.get(value);
  if (id === undefined) {
    id = nextIdentity++;
    symbolIds.set(value, id);
  }
  return `sym#${id}`;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function serialise(value: unknown, ancestors: object[]): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Object.is(value, -0) ? 'n:-0' : `n:${value}`;
    case 'bigint':
      return `big:${value}`;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'undef';
    case 'symbol':
      return symbolKey(value);
    case 'function':
      return `fn${identityOf(value)}`;
    default:
      break;
  }
  if (value === null) return 'null';
  const object = value as object;
  const depth = ancestors.indexOf(object);
  if (depth >= 0) return `cycle:${depth}`;
  ancestors.push(object);
  try {
    return serialiseObject(object, ancestors);
  } finally {
    ancestors.pop();
  }
}

function serialiseObject(object: object, ancestors: object[]): string {
  if (Array.isArray(object)) return `[${object.map((item) => serialise(item, ancestors)).join(',')}]`;
  if (object instanceof Date) return `date:${object.getTime()}`;
  if (object instanceof RegExp) return `re:${JSON.stringify(object.toString())}`;
  if (ArrayBuffer.isView(object)) {
    const bytes = Buffer.from(object.buffer, object.byteOffset, object.byteLength).toString('base64');
    return `bin:${object.constructor.name}:${bytes}`;
  }
  if (object instanceof ArrayBuffer) return `bin:ArrayBuffer:${Buffer.from(object).toString('base64')}`;
  if (object instanceof Map) {
    const entries = [...object].map(([k, v]) => `${serialise(k, ancestors)}=>${serialise(v, ancestors)}`).sort();
    return `map{${entries.join(',')}}`;
  }
  if (object instanceof Set) return `set{${[...object].map((item) => serialise(item, ancestors)).sort().join(',')}}`;
  if (object instanceof String || object instanceof Number || object instanceof Boolean || object instanceof BigInt) {
    return `box:${serialise(object.valueOf(), ancestors)}`;
  }
  if (!isPlainObject(object)) return `obj${identityOf(object)}`;
  const record = object as Record<string, unknown>;
  const parts: string[] = [];
  for (const name of Object.keys(record).sort()) {
    if (record[name] === undefined) continue;
    parts.push(`${JSON.stringify(name)}:${serialise(record[name], ancestors)}`);
  }
  return `{${parts.join(',')}}`;
}

/**
 * The cache key of an argument list. Trailing `undefined` arguments are dropped
 * (`f(1)` and `f(1, undefined)` share an entry, as default parameters treat them alike).
 *
 * @example
 * ```ts
 * stableCacheKey([{ b: 2, a: 1 }]) === stableCacheKey([{ a: 1, b: 2 }]) // true
 * ```
 */
export function stableCacheKey(args: readonly unknown[]): string {
  let end = args.length;
  while (end > 0 && args[end - 1] === undefined) end--;
  return serialise(args.slice(0, end), []);
}
