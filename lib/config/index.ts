/**
 * `express-platform-kit/config`: the helpers every module's settings are built with
 * (zod schemas over the environment, `.env` files, one error listing every bad variable,
 * coded warnings). Public so apps can declare their own settings the same way.
 */
export { resolveEnv, readDotEnv, loadDotEnv, type Env } from './env.js';
export {
  ConfigError,
  configIssuesFromZod,
  parseEnvSettings,
  parseOptions,
  type KnownOptions,
  envString,
  envInt,
  envOptionalInt,
  envBool,
  envEnum,
  envList,
  type ConfigIssue,
} from './settings.js';
export { emitKitWarning, disableKitWarning, resetKitWarnings, KIT_WARNING_TYPE, KIT_WARNING_CODES, type KitWarningCode } from './warnings.js';
