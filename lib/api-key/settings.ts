/**
 * Options of `APIKeyManager`. API keys take no environment variables: the prefix is part of
 * the key format your clients already hold, so it belongs in code, next to the keys' store.
 */
import { z } from 'zod';
import { parseOptions } from '../config/settings.js';

export interface APIKeyManagerOptions {
  /** Prefix of every key (visible, identifies the issuer, e.g. for secret scanners). Default `agpt_`. */
  prefix?: string;
  /**
   * Most scrypt hashes running at once. Default: half of libuv's thread pool (2 of 4), shared
   * by every manager created without `maxConcurrentHashes`, `maxQueuedHashes` or
   * `hashQueueTimeoutMs` (giving any of them gives this manager its own bound).
   */
  maxConcurrentHashes?: number;
  /** Most hashes waiting for a slot; beyond it, `ERR_API_KEY_BUSY`. Default 64. */
  maxQueuedHashes?: number;
  /** Longest wait for a slot before `ERR_API_KEY_BUSY`. Default 2000. */
  hashQueueTimeoutMs?: number;
  /** How long a successful verification is remembered (0 = never). Default 60000. */
  verifiedCacheTtlMs?: number;
  /** Most remembered verifications (LRU). Default 10000. */
  verifiedCacheMaxEntries?: number;
}

/** Parsed options; `limits` is undefined when the process-wide limiter applies. */
export interface ParsedManagerOptions {
  prefix: string;
  limits: { concurrency: number; maxQueued: number; queueTimeoutMs: number } | undefined;
  verifiedCacheTtlMs: number;
  verifiedCacheMaxEntries: number;
}

const managerSchema = z
  .object({
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,32}$/, { message: 'must be 1-32 characters of A-Z a-z 0-9 _ . -' })
      .default('agpt_'),
    maxConcurrentHashes: z.number().int().min(1).max(1024).optional(),
    maxQueuedHashes: z.number().int().min(0).max(100_000).optional(),
    hashQueueTimeoutMs: z.number().int().min(1).max(60_000).optional(),
    verifiedCacheTtlMs: z.number().int().min(0).max(3_600_000).default(60_000),
    verifiedCacheMaxEntries: z.number().int().min(1).max(10_000_000).default(10_000),
  })
  .strict();

export function parseManagerOptions(options: APIKeyManagerOptions | undefined, defaults: { concurrency: number; maxQueued: number; queueTimeoutMs: number }): ParsedManagerOptions {
  const parsed = parseOptions(managerSchema, options ?? {}, 'APIKeyManager options');
  const own = parsed.maxConcurrentHashes !== undefined || parsed.maxQueuedHashes !== undefined || parsed.hashQueueTimeoutMs !== undefined;
  return {
    prefix: parsed.prefix,
    limits: own
      ? {
          concurrency: parsed.maxConcurrentHashes ?? defaults.concurrency,
          maxQueued: parsed.maxQueuedHashes ?? defaults.maxQueued,
          queueTimeoutMs: parsed.hashQueueTimeoutMs ?? defaults.queueTimeoutMs,
        }
      : undefined,
    verifiedCacheTtlMs: parsed.verifiedCacheTtlMs,
    verifiedCacheMaxEntries: parsed.verifiedCacheMaxEntries,
  };
}
