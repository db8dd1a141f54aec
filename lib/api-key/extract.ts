/**
 * Where a request carries an API key: `X-API-Key: <key>` or `Authorization: Bearer <key>`
 * when the bearer value starts with the key prefix (other bearer values, e.g. JWTs, are not
 * API keys and are left to other middlewares). Headers are read by the kit's one credential
 * reader (lib/http/credentials.ts), so auth and api-key parse `Authorization` alike.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { bearerToken, headerText } from '../http/credentials.js';

/** How the key was sent (decides the challenge of a 401). */
export type APIKeySource = 'header' | 'bearer';

/** A key found in a request, and where. */
export interface ExtractedAPIKey {
  key: string;
  source: APIKeySource;
}

/**
 * The API key of a request, or undefined when it carries none.
 *
 * @example
 * ```ts
 * const found = extractApiKey(req.headers, 'x-api-key', 'agpt_') // { key, source: 'header' | 'bearer' }
 * ```
 */
export function extractApiKey(headers: IncomingHttpHeaders, headerName: string, prefix: string): ExtractedAPIKey | undefined {
  const fromHeader = headerText(headers, headerName);
  if (fromHeader) return { key: fromHeader, source: 'header' };
  const bearer = bearerToken(headers);
  if (bearer?.startsWith(prefix)) return { key: bearer, source: 'bearer' };
  return undefined;
}

/** @deprecated Renamed {@link extractApiKey} (functions spell `ApiKey`, types `APIKey`). */
export const extractAPIKey = extractApiKey;
