// express-platform-kit/logging: filled in by its issue.
export { getLogger, getRootLogger } from './logger.js';
