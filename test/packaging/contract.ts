/**
 * The public names DESIGN.md promises per subpath (code outside this repo imports them).
 * The packaging test checks each one from the packed tarball, with `import` and `require`.
 */
export const PUBLIC_CONTRACT: Record<string, string[]> = {
  errors: ['KitError', 'HttpError', 'httpError', 'isKitError', 'errorHandler', 'KIT_ERROR_CODES'],
  config: ['parseEnvSettings', 'ConfigError', 'emitKitWarning', 'resolveEnv'],
  redis: ['getSharedRedis', 'resolveRedis', 'closeSharedRedis'],
  shutdown: ['gracefulShutdown', 'onShutdown'],
  auth: [],
  'rate-limit': [],
  logging: ['getLogger'],
  openapi: [],
  'api-key': [],
  credentials: [],
  sync: [],
  session: [],
  alerting: [],
};

/** The root export re-exports every module, plus these. */
export const ROOT_EXTRA = ['gracefulShutdown'];
