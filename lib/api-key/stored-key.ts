/** The shape of a stored key the middleware needs, and what it puts on the request. */

/** The fields `requireApiKey` needs from a stored key; the rest of the record is yours. */
export interface StoredAPIKey {
  /** scrypt hash (hex), or the legacy SHA-256 hash (hex) when `salt` is empty. */
  hash: string;
  /** Salt (hex); `null`/`undefined`/`''` for legacy SHA-256 hashes. */
  salt?: string | null;
}

declare global {
  namespace Express {
    interface Request {
      /**
       * The record your `lookup` returned for the verified key (set by `requireApiKey()`).
       * A kit-specific name, so declaring it globally collides with no other library.
       */
      apiKey?: StoredAPIKey & Record<string, unknown>;
    }
  }
}
