/**
 * Session ids and the hashes stored in place of them.
 *
 * An id is 32 random bytes followed by a 2-byte routing bucket, base64url-encoded (46
 * characters). The bucket is derived from the user id (never from the random part), so the
 * session, the user's index and every script that touches both share one Redis Cluster hash
 * slot: create, validate, destroy and destroy-all are each one atomic script on one node. The
 * 32 random bytes alone carry the id's unguessability (256 bits); the bucket reveals 14 bits of
 * a hash of the user id, which only the cookie's owner sees (the cookie is HttpOnly + Secure).
 */
import { createHash, randomBytes } from 'node:crypto';

/** Random bytes in every session id. */
export const SESSION_ID_RANDOM_BYTES = 32;
/** Number of routing buckets (one Redis Cluster hash tag each); matches the 16384 cluster slots. */
export const SESSION_BUCKETS = 16384;
const ID_BYTES = SESSION_ID_RANDOM_BYTES + 2;
/**
 * Length of a session id: 34 bytes in base64url (46 characters).
 *
 * @example
 * ```ts
 * if (id.length !== SESSION_ID_LENGTH) return reject()
 * ```
 */
export const SESSION_ID_LENGTH = Math.ceil((ID_BYTES * 8) / 6);
const ID_PATTERN = /^[A-Za-z0-9_-]+$/;

/** What the stores know about a session id: its hash and bucket, never the id itself. */
export interface SessionRef {
  /** SHA-256 of the whole id string, base64url. */
  idHash: string;
  bucket: number;
}

/** What the stores know about a user: a hash of the user id and its bucket. */
export interface UserRef {
  userHash: string;
  bucket: number;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The routing reference of a user id. */
export function userRefOf(userId: string): UserRef {
  const digest = sha256(`user\u0000${userId}`);
  return { userHash: digest.toString('base64url'), bucket: digest.readUInt16BE(0) % SESSION_BUCKETS };
}

/** A fresh session id routed to `bucket`. */
export function generateSessionId(bucket: number): string {
  const bytes = Buffer.alloc(ID_BYTES);
  randomBytes(SESSION_ID_RANDOM_BYTES).copy(bytes, 0);
  bytes.writeUInt16BE(bucket, SESSION_ID_RANDOM_BYTES);
  return bytes.toString('base64url');
}

/**
 * Parses an untrusted id: anything that is not exactly a canonical 46-character base64url
 * string with a valid bucket gives `null` (no store is consulted for it).
 */
export function parseSessionId(id: unknown): SessionRef | null {
  if (typeof id !== 'string' || id.length !== SESSION_ID_LENGTH || !ID_PATTERN.test(id)) return null;
  const bytes = Buffer.from(id, 'base64url');
  if (bytes.length !== ID_BYTES || bytes.toString('base64url') !== id) return null;
  const bucket = bytes.readUInt16BE(SESSION_ID_RANDOM_BYTES);
  if (bucket >= SESSION_BUCKETS) return null;
  return { idHash: sha256(id).toString('base64url'), bucket };
}
