import { z } from 'zod';
import { KitError } from '../errors/kit-error.js';
import { resolveEnv, type Env } from './env.js';

/** One bad setting: the variable (or option) name and why it is bad. */
export interface ConfigIssue {
  variable: string;
  message: string;
}

/**
 * Thrown at startup when settings are invalid. Lists every bad variable at once, so one
 * deploy fixes them all. Never contains the values themselves (they may be secrets).
 */
export class ConfigError extends KitError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], scope = 'configuration') {
    const lines = issues.map((issue) => `  - ${issue.variable}: ${issue.message}`);
    super('ERR_CONFIG_INVALID', `Invalid ${scope}:\n${lines.join('\n')}`);
    this.issues = issues;
  }
}

/** Turns zod issues into {@link ConfigIssue}s named after the variable. */
export function configIssuesFromZod(error: z.ZodError): ConfigIssue[] {
  return error.issues.map((issue) => ({
    variable: issue.path.length > 0 ? issue.path.map(String).join('.') : '(settings)',
    message: issue.message,
  }));
}

/**
 * Parses an environment bag with a zod schema whose keys are variable names. Throws one
 * {@link ConfigError} naming every bad variable.
 *
 * @example
 * ```ts
 * const schema = z.object({ PORT: envInt({ min: 1, max: 65535, default: 8080 }) })
 * const { PORT } = parseEnvSettings(schema, undefined, 'server settings')
 * ```
 */
export function parseEnvSettings<S extends z.ZodType>(schema: S, env?: Env, scope?: string): z.output<S> {
  const result = schema.safeParse(resolveEnv(env));
  if (!result.success) throw new ConfigError(configIssuesFromZod(result.error), scope);
  return result.data;
}

/**
 * Every option name of `T`, each mapped to `true`: written as a literal, the compiler keeps the
 * list complete (a missing or misspelled name is a type error), so the unknown-option check
 * of {@link parseOptions} never falls behind the options interface.
 *
 * @example
 * ```ts
 * const KNOWN: KnownOptions<ServerOptions> = { port: true, host: true }
 * ```
 */
export type KnownOptions<T> = { readonly [K in keyof Required<T>]: true };

function unknownOptionIssues(options: unknown, known: Readonly<Record<string, true>>): ConfigIssue[] {
  if (typeof options !== 'object' || options === null) return [];
  return Object.keys(options)
    .filter((key) => !Object.hasOwn(known, key))
    .map((key) => ({ variable: key, message: 'is not a known option (misspelled?)' }));
}

/**
 * Validates factory options with a zod schema; throws one {@link ConfigError} listing every
 * bad option. With `known` (a {@link KnownOptions} map), names outside it are reported too.
 *
 * @example
 * ```ts
 * const parsed = parseOptions(schema, options, 'Server options', KNOWN)
 * ```
 */
export function parseOptions<S extends z.ZodType>(schema: S, options: unknown, scope: string, known?: Readonly<Record<string, true>>): z.output<S> {
  const unknown = known ? unknownOptionIssues(options, known) : [];
  const result = schema.safeParse(options ?? {});
  if (!result.success) throw new ConfigError([...configIssuesFromZod(result.error), ...unknown], scope);
  if (unknown.length > 0) throw new ConfigError(unknown, scope);
  return result.data;
}

const trimmed = (value: unknown): unknown => {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  return text === '' ? undefined : text;
};

/** An optional string variable: trimmed; empty counts as unset. */
export function envString() {
  return z.preprocess(trimmed, z.string().optional());
}

function boundedInt(min: number, max: number) {
  const range = { message: `must be between ${min} and ${max}` };
  return z.coerce.number({ message: 'must be an integer' }).int({ message: 'must be an integer' }).min(min, range).max(max, range);
}

/** An integer variable within `[min, max]`, with a default. */
export function envInt(opts: { min: number; max: number; default: number }) {
  return z.preprocess(trimmed, boundedInt(opts.min, opts.max).default(opts.default));
}

/** An optional integer variable within `[min, max]`. */
export function envOptionalInt(opts: { min: number; max: number }) {
  return z.preprocess(trimmed, boundedInt(opts.min, opts.max).optional());
}

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on', 't', 'y']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off', 'f', 'n']);

/** A boolean variable (`true/false/1/0/yes/no/on/off`, any case) with a default. */
export function envBool(defaultValue: boolean) {
  return z.preprocess(
    (value) => {
      const text = trimmed(value);
      if (typeof text !== 'string') return text;
      const lower = text.toLowerCase();
      if (TRUE_WORDS.has(lower)) return true;
      if (FALSE_WORDS.has(lower)) return false;
      return text;
    },
    z.boolean({ message: 'must be true or false' }).default(defaultValue),
  );
}

/** An enumerated variable, matched case-insensitively, with a default. */
export function envEnum<const T extends readonly [string, ...string[]]>(values: T, defaultValue: T[number]) {
  const byLower = new Map(values.map((value) => [value.toLowerCase(), value]));
  return z.preprocess(
    (value) => {
      const text = trimmed(value);
      return typeof text === 'string' ? (byLower.get(text.toLowerCase()) ?? text) : text;
    },
    z.enum(values as unknown as [T[number], ...T[number][]], { message: `must be one of ${values.join(', ')}` }).default(defaultValue as never),
  );
}

/** A comma-separated list variable (items trimmed, empty items dropped), with a default. */
export function envList(defaultValue: string[]) {
  return z.preprocess(
    (value) => {
      const text = trimmed(value);
      return typeof text === 'string' ? text.split(',').map((item) => item.trim()).filter(Boolean) : text;
    },
    z.array(z.string()).default(defaultValue),
  );
}
