/**
 * Health and readiness: `healthRouter({ checks })` serves `/livez` and `/readyz` and runs the
 * Kubernetes shutdown order (readiness 503 first, then the drain).
 */
export { healthRouter, type HealthRouter, type HealthRouterOptions } from './health-router.js';
export { shutdownOnSignal, type ShutdownOnSignalOptions, type SignalShutdownHandle } from './signal.js';
export { redisPingCheck, jwksReachableCheck, type HealthCheck } from './checks.js';
export type { CheckResult, ReadinessReport } from './readiness.js';
