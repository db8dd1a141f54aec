import { z } from 'zod';
import { envString, parseEnvSettings, parseOptions } from '../config/settings.js';
import type { Env } from '../config/env.js';
import type { RedisOption } from '../redis/index.js';
import type { KeyedMutex } from '../sync/types.js';
import { CredentialsKeyRing } from './encryption.js';

/**
 * The part of a keyed mutex the store needs: any `KeyedMutex` of express-platform-kit/sync
 * (`RedisKeyedMutex`, `MemoryKeyedMutex`, `createKeyedMutex()`) fits.
 */
export type CredentialsMutex = Pick<KeyedMutex, 'withLock'>;

/** Options of {@link IntegrationCredentialsStore}. */
export interface IntegrationCredentialsStoreOptions {
  /**
   * Redis client or URL; `false`: in memory even when `REDIS_URL` is set (one process only,
   * the kit-wide convention). Default: `REDIS_URL`, else in memory.
   */
  redis?: RedisOption | false;
  /**
   * Keys in `ENCRYPTION_KEY` format (`key` or `kid1:key1,kid2:key2`, 32-byte hex/base64 keys;
   * the first encrypts, all decrypt), or a ready key ring. Default: `ENCRYPTION_KEY`.
   * Required one way or the other.
   */
  encryptionKey?: string | CredentialsKeyRing;
  /** Per-user lock for read-modify-writes. Default: Redis mutex with Redis, memory mutex without. */
  mutex?: CredentialsMutex;
  /** Prefix of every Redis key. Default `epk:cred:`. */
  keyPrefix?: string;
  /** Lifetime of a pending OAuth state. Default 600 000 (10 minutes). */
  oauthStateTtlMs?: number;
  /** Most credentials one user may hold. Default 1000. */
  maxCredentialsPerUser?: number;
  /** Largest serialized credentials record. Default 65 536 bytes. */
  maxRecordBytes?: number;
  /** Environment to read `ENCRYPTION_KEY`/`REDIS_URL` from. Default: `process.env` over `.env`. */
  env?: Env;
}

const envSchema = z.object({ ENCRYPTION_KEY: envString() });

/**
 * Reads `ENCRYPTION_KEY` into a key ring; a missing or malformed key is one clear
 * `ConfigError` (the key itself is never echoed).
 *
 * @example
 * ```ts
 * const keys = loadCredentialsSettings().keyRing // throws at startup if ENCRYPTION_KEY is bad
 * ```
 */
export function loadCredentialsSettings(env?: Env): { keyRing: CredentialsKeyRing } {
  const { ENCRYPTION_KEY } = parseEnvSettings(envSchema, env, 'credentials settings');
  return { keyRing: CredentialsKeyRing.parse(ENCRYPTION_KEY) };
}

const isObject = (value: unknown) => typeof value === 'object' && value !== null;

const optionsSchema = z
  .object({
    redis: z.custom<RedisOption | false>((value) => value === false || typeof value === 'string' || isObject(value), { message: 'must be an ioredis client, a redis:// URL or false (memory)' }).optional(),
    encryptionKey: z.custom<string | CredentialsKeyRing>((value) => typeof value === 'string' || value instanceof CredentialsKeyRing, { message: 'must be a key string or a CredentialsKeyRing' }).optional(),
    mutex: z.custom<CredentialsMutex>((value) => isObject(value) && typeof (value as CredentialsMutex).withLock === 'function', { message: 'must have a withLock(key, fn) method' }).optional(),
    keyPrefix: z.string().max(64).regex(/^[^{}\s]*$/, { message: 'must not contain braces or whitespace' }).default('epk:cred:'),
    oauthStateTtlMs: z.number().int().min(10).max(86_400_000).default(600_000),
    maxCredentialsPerUser: z.number().int().min(1).max(100_000).default(1000),
    maxRecordBytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(65_536),
    env: z.record(z.string(), z.string().optional()).optional(),
  })
  .strict();

export type ParsedCredentialsStoreOptions = z.output<typeof optionsSchema>;

/** Validates store options once (unknown or bad options → `ConfigError`). */
export function parseCredentialsStoreOptions(options: IntegrationCredentialsStoreOptions | undefined): ParsedCredentialsStoreOptions {
  return parseOptions(optionsSchema, options, 'IntegrationCredentialsStore options');
}
