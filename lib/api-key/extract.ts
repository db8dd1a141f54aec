/**
 * Where a request carries an API key: `X-API-Key: <key>` or `Authorization: Bearer <key>`
 * when the bearer value starts with the key prefix (other bearer values, e.g. JWTs, are not
 * API keys and are left to other middlewares).
 */
import type { IncomingHttpHeaders } from 'node:http';

export type APIKeySource = 'header' | 'bearer';

export interface ExtractedAPIKey {
  key: string;
  source: APIKeySource;
}

// RFC 6750 §2.1: "Bearer" 1*SP b64token; the scheme is case-insensitive (RFC 7235 §2.1).
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

function single(value: string | string[] | undefined): string | undefined {
  // Node joins repeated X-API-Key headers with ", "; an array only comes from custom parsers.
  const text = Array.isArray(value) ? value.join(', ') : value;
  return typeof text === 'string' ? text.trim() : undefined;
}

/** The API key of a request, or undefined when it carries none. */
export function extractAPIKey(headers: IncomingHttpHeaders, headerName: string, prefix: string): ExtractedAPIKey | undefined {
  const fromHeader = single(headers[headerName]);
  if (fromHeader) return { key: fromHeader, source: 'header' };
  const authorization = single(headers.authorization);
  const match = authorization ? BEARER.exec(authorization) : null;
  if (match?.[1]?.startsWith(prefix)) return { key: match[1], source: 'bearer' };
  return undefined;
}
