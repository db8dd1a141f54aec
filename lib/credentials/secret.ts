import { createHash, timingSafeEqual } from 'node:crypto';
import { inspect } from 'node:util';
import { z } from 'zod';

/** What a secret looks like everywhere it could leak: JSON, logs, `String()`, template strings. */
export const SECRET_MASK = '********';

/** Shared by every copy of the kit in one process (ESM and CJS builds), like `KitError`'s brand. */
const SECRET_BRAND = Symbol.for('express-platform-kit.Secret');

/**
 * A string that must not leak. `JSON.stringify`, `util.inspect`/`console.log`, winston,
 * `String(secret)` and template literals all show `********`; only `.reveal()` returns the
 * value. The value lives in a private field, so spreading, `Object.keys` and
 * `structuredClone` don't expose it either.
 *
 * @example
 * ```ts
 * const token = new Secret('gho_abc')
 * console.log(`${token}`, JSON.stringify({ token })) // ******** {"token":"********"}
 * fetch(url, { headers: { Authorization: `Bearer ${token.reveal()}` } })
 * ```
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    if (typeof value !== 'string') throw new TypeError('Secret value must be a string');
    this.#value = value;
    Object.defineProperty(this, SECRET_BRAND, { value: true });
    Object.freeze(this);
  }

  /** The secret itself. Call it only where the value leaves the process on purpose. */
  reveal(): string {
    return this.#value;
  }

  /** Constant-time comparison with another secret or a plain string. */
  equals(other: Secret | string): boolean {
    const theirs = typeof other === 'string' ? other : isSecret(other) ? other.reveal() : undefined;
    if (theirs === undefined) return false;
    // Hashing first gives equal-length inputs, so the comparison time doesn't depend on length.
    const a = createHash('sha256').update(this.#value, 'utf8').digest();
    const b = createHash('sha256').update(theirs, 'utf8').digest();
    return timingSafeEqual(a, b);
  }

  /** Masked: `JSON.stringify` never shows the value. */
  toJSON(): string {
    return SECRET_MASK;
  }

  /** Masked: `String(secret)` and `'' + secret` never show the value. */
  toString(): string {
    return SECRET_MASK;
  }

  /** Masked: template literals and other coercions never show the value. */
  [Symbol.toPrimitive](): string {
    return SECRET_MASK;
  }

  /** Masked in `console.log`, `util.inspect` and the REPL. */
  [inspect.custom](): string {
    return `Secret(${SECRET_MASK})`;
  }

  static [Symbol.hasInstance](value: unknown): boolean {
    return isSecret(value);
  }
}

/** True for a {@link Secret} created by any copy of the kit loaded in this process. */
export function isSecret(value: unknown): value is Secret {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[SECRET_BRAND] === true;
}

/** Longest secret value accepted (a generous bound: big JWT access tokens are a few KiB). */
export const MAX_SECRET_LENGTH = 16_384;

/**
 * Zod schema accepting a string or a {@link Secret} and yielding a `Secret`. Error messages
 * never contain the value.
 *
 * @example
 * ```ts
 * const schema = z.object({ token: secretSchema() })
 * schema.parse({ token: 'abc' }).token.reveal() // 'abc'
 * ```
 */
export function secretSchema() {
  return z
    .custom<string | Secret>((value) => typeof value === 'string' || isSecret(value), { message: 'must be a string or a Secret' })
    .transform((value) => (typeof value === 'string' ? new Secret(value) : value))
    .refine((secret) => secret.reveal().length <= MAX_SECRET_LENGTH, { message: `must be at most ${MAX_SECRET_LENGTH} characters` });
}
