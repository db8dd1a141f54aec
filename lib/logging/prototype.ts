/**
 * Express gives every request/response object a prototype chain
 * `req → app.request → express's request → http.IncomingMessage.prototype` (the same for
 * responses). Wrapping a method once on express's shared prototype, instead of assigning an
 * own property on every request object, keeps the objects' shapes stable: measured, the
 * per-request assignments cost more CPU than writing the log line.
 */

/** Express's own prototype between `object` and Node's `nodePrototype`, or undefined (no Express). */
export function expressPrototypeOf(object: object, nodePrototype: object): Record<string | symbol, unknown> | undefined {
  let proto = Object.getPrototypeOf(object) as object | null;
  while (proto && proto !== nodePrototype) {
    const parent = Object.getPrototypeOf(proto) as object | null;
    if (parent === nodePrototype) return proto as Record<string | symbol, unknown>;
    proto = parent;
  }
  return undefined;
}

/** Runs `install(proto)` once per prototype (marked with `marker`). */
export function patchOnce(proto: Record<string | symbol, unknown>, marker: symbol, install: () => void): void {
  if (Object.prototype.hasOwnProperty.call(proto, marker)) return;
  Object.defineProperty(proto, marker, { value: true });
  install();
}

/** Replaces a method on `proto` (non-enumerable, like the original). */
export function defineMethod(proto: Record<string | symbol, unknown>, name: string, value: (...args: never[]) => unknown): void {
  Object.defineProperty(proto, name, { value, writable: true, configurable: true, enumerable: false });
}
