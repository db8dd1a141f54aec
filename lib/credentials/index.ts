/**
 * `express-platform-kit/credentials`: third-party credentials of your users (OAuth2 tokens,
 * API keys, passwords, host-scoped headers), typed with zod, masked everywhere they could
 * leak, encrypted at rest (AES-256-GCM, rotating keys), with single-use PKCE OAuth states.
 *
 * @example
 * ```ts
 * import { IntegrationCredentialsStore, bearer } from 'express-platform-kit/credentials'
 * const store = new IntegrationCredentialsStore() // ENCRYPTION_KEY and REDIS_URL from the env
 * const creds = await store.add(userId, { type: 'api_key', provider: 'openai', apiKey: key })
 * ```
 */

/** The masked secret string every credentials schema yields for secret fields. */
export { Secret, isSecret, secretSchema, SECRET_MASK, MAX_SECRET_LENGTH } from './secret.js';
/** Zod schemas (values) and their output types (same names). */
export {
  OAuth2Credentials,
  APIKeyCredentials,
  UserPasswordCredentials,
  HostScopedCredentials,
  Credentials,
  OAuthState,
  UserMetadata,
  UserIntegrations,
  type CredentialsInput,
  type CredentialsType,
} from './types.js';
/** Building request headers from credentials. */
export { authHeader, bearer, credentialsHeaders, hostScopedMatches, type AuthHeaderOptions, type AuthHeaderOverride } from './auth-header.js';
/** Encryption keys: parse `ENCRYPTION_KEY` text or build a key ring yourself. */
export { CredentialsKeyRing, type CredentialsEncryptionKey } from './encryption.js';
/** PKCE helper, e.g. to check a challenge you sent. */
export { pkceChallenge } from './oauth-state.js';
/** The store. */
export { IntegrationCredentialsStore, type StoredOAuthState, type StoreOAuthStateOptions } from './store.js';
export { loadCredentialsSettings, type IntegrationCredentialsStoreOptions, type CredentialsMutex } from './settings.js';
