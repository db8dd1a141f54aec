/**
 * Which client a request belongs to, in the middleware's order: a custom function, then a
 * VERIFIED identity (the user id `req.user.id` or the API key `req.apiKey` that the kit's auth
 * has already set on the request), then the client IP (`req.ip`, which honours Express's
 * `trust proxy`), IPv6 grouped by prefix because one subscriber usually owns a whole /56.
 *
 * An unverified credential never keys a limit: a limiter running before auth that keyed on
 * whatever `Authorization`/`X-API-Key` arrived would give an attacker a fresh bucket for every
 * forged token. Before auth, the key is the address.
 */
import { isIP } from 'node:net';
import { requestIp } from '../http/trust-proxy.js';
import { sha256Base64Url } from './keys.js';

/** The parts of a request the key extraction reads (an Express `Request` fits). */
export interface ClientKeyRequest {
  headers: Record<string, string | string[] | undefined>;
  ip?: string | undefined;
  socket?: { remoteAddress?: string | undefined } | undefined;
  /** Set by `requireUser()`/`requireAuth()` once a token verified. */
  user?: unknown;
  /** Set by `requireApiKey()` once a key verified: the app's stored record (never the raw key). */
  apiKey?: unknown;
  /** The Express app (its `trust proxy` setting). */
  app?: { get(setting: string): unknown } | undefined;
}

/** Expands an IPv6 address to 8 groups of 16 bits; `undefined` if it is not one. */
function ipv6Groups(address: string): number[] | undefined {
  let text = address;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const lastColon = text.lastIndexOf(':');
  const maybeV4 = text.slice(lastColon + 1);
  if (maybeV4.includes('.')) {
    // "::ffff:1.2.3.4": the dotted tail is the last two 16-bit groups
    if (isIP(maybeV4) !== 4) return undefined;
    const o = maybeV4.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, lastColon + 1)}${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 0 : missing !== 0) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...rest];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

/**
 * Normalises a client address for rate limiting: IPv4 as is; IPv4-mapped IPv6
 * (`::ffff:1.2.3.4`) as the IPv4 address; other IPv6 as its `/prefixBits` network
 * (`2001:db8:0:ab00::/56`).
 */
export function rateLimitIpKey(address: string, ipv6PrefixBits = 56): string {
  const version = isIP(address);
  if (version === 4) return address;
  if (version !== 6) return address;
  const groups = ipv6Groups(address);
  if (!groups) return address;
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    return `${groups[6]! >> 8}.${groups[6]! & 0xff}.${groups[7]! >> 8}.${groups[7]! & 0xff}`;
  }
  const bits = Math.max(0, Math.min(128, ipv6PrefixBits));
  const masked = groups.map((group, i) => {
    const keep = Math.max(0, Math.min(16, bits - i * 16));
    return keep === 0 ? 0 : group & ((0xffff << (16 - keep)) & 0xffff);
  });
  return `${masked.map((g) => g.toString(16)).join(':')}/${bits}`;
}

/** The authenticated user's id, read defensively (the auth module may not be in use). */
function userIdOf(req: ClientKeyRequest): string | undefined {
  const user = req.user;
  if (typeof user !== 'object' || user === null) return undefined;
  return idText((user as { id?: unknown }).id);
}

/** A record field usable as a key part: a non-empty string or a finite number. */
function idText(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * A non-secret identifier of the verified API key on `req.apiKey`: the record's `id`, else its
 * `head` (the key's public first characters), else a SHA-256 of its stored hash. Never the key.
 */
function apiKeyIdOf(req: ClientKeyRequest): string | undefined {
  const record = req.apiKey;
  if (typeof record !== 'object' || record === null) return undefined;
  const { id, head, hash } = record as { id?: unknown; head?: unknown; hash?: unknown };
  const readable = idText(id) ?? idText(head);
  if (readable !== undefined) return readable;
  return typeof hash === 'string' && hash !== '' ? sha256Base64Url(hash) : undefined;
}

/**
 * The built-in key of a request (see the module comment for the order). `ipKeys` (optional, a
 * bounded cache, one per `ipv6PrefixBits`) remembers the keys of recent addresses: parsing an
 * address costs more than the whole in-memory check.
 */
export function defaultClientKey(req: ClientKeyRequest, ipv6PrefixBits = 56, ipKeys?: Map<string, string>): string {
  const userId = userIdOf(req);
  if (userId !== undefined) return `user:${userId}`;
  if (req.apiKey !== undefined) {
    const apiKeyId = apiKeyIdOf(req);
    if (apiKeyId !== undefined) return `apikey:${apiKeyId}`;
  }
  const ip = requestIp(req);
  if (!ip) return 'ip:unknown';
  let key = ipKeys?.get(ip);
  if (key === undefined) {
    key = `ip:${rateLimitIpKey(ip, ipv6PrefixBits)}`;
    if (ipKeys !== undefined && ip.length <= 64) ipKeys.set(ip, key);
  }
  return key;
}
