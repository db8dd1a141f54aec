/**
 * Options of `APIKeyManager`. API keys take no environment variables: the prefix is part of
 * the key format your clients already hold, so it belongs in code, next to the keys' store.
 */
import { z } from 'zod';
import { parseOptions } from '../config/settings.js';

export interface APIKeyManagerOptions {
  /** Prefix of every key (visible, identifies the issuer, e.g. for secret scanners). Default `agpt_`. */
  prefix?: string;
}

const managerSchema = z
  .object({
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,32}$/, { message: 'must be 1-32 characters of A-Z a-z 0-9 _ . -' })
      .default('agpt_'),
  })
  .strict();

export function parseManagerOptions(options: APIKeyManagerOptions | undefined): { prefix: string } {
  return parseOptions(managerSchema, options ?? {}, 'APIKeyManager options');
}
