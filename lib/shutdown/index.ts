/**
 * One graceful shutdown for the whole kit (DESIGN principle 8). Modules register closers
 * (release held locks, quit Redis connections, flush logs); `gracefulShutdown(server)` stops
 * accepting connections, lets in-flight requests finish, then runs the closers phase by phase,
 * each within a deadline.
 */
export { onShutdown, registeredClosers, runClosers, type ShutdownPhase, type Closer, type CloserFailure, type RunClosersOptions } from './registry.js';
export { gracefulShutdown, type GracefulShutdownOptions, type ShutdownReport } from './graceful-shutdown.js';
