/**
 * Runs every readiness check concurrently, each with its own timeout, and caches the verdict
 * for `cacheMs` so that probes (kubelet, load balancers, a curious crowd) cannot multiply the
 * load on Redis: concurrent probes share one run, and later ones reuse it until it expires.
 */
import { KitError } from '../errors/kit-error.js';
import { getLogger } from '../logging/logger.js';
import type { HealthCheck } from './checks.js';

/** The outcome of one check, as rendered by `/readyz`. */
export interface CheckResult {
  status: 'ok' | 'fail';
  durationMs: number;
  /** On failure: a stable code (`ERR_HEALTH_CHECK_TIMEOUT`, `ERR_STORE_UNAVAILABLE`, ... or `ERR_HEALTH_CHECK_FAILED`). */
  code?: string;
}

/** What `/readyz` answers (200 when `status` is `ok`, 503 otherwise). */
export interface ReadinessReport {
  status: 'ok' | 'fail' | 'shutting_down';
  checks: Record<string, CheckResult>;
  /** ISO time the checks ran (cached reports keep it). */
  checkedAt: string;
}

const log = getLogger('health');

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof KitError && typeof code === 'string' ? code : 'ERR_HEALTH_CHECK_FAILED';
}

/** A check and its deadline. */
export interface TimedCheck {
  check: HealthCheck;
  timeoutMs: number;
}

interface Outcome {
  result: CheckResult;
  error?: unknown;
}

async function runOne(name: string, check: HealthCheck, timeoutMs: number): Promise<Outcome> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new KitError('ERR_HEALTH_CHECK_TIMEOUT', `readiness check "${name}" did not finish within ${timeoutMs} ms`);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
    timer.unref();
  });
  try {
    await Promise.race([Promise.resolve().then(() => check(controller.signal)), timeout]);
    return { result: { status: 'ok', durationMs: Math.round(performance.now() - started) } };
  } catch (error) {
    return { result: { status: 'fail', durationMs: Math.round(performance.now() - started), code: codeOf(error) }, error };
  } finally {
    clearTimeout(timer);
  }
}

/** A cached, single-flight runner of a fixed set of checks. */
export class Readiness {
  private cached: { report: ReadinessReport; until: number } | undefined;
  private running: Promise<ReadinessReport> | undefined;
  private readonly failing = new Set<string>();
  private shuttingDown = false;

  constructor(
    private readonly checks: ReadonlyMap<string, TimedCheck>,
    private readonly cacheMs: number,
  ) {}

  /** From now on the verdict is `shutting_down` (503), whatever the checks say. */
  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** The current verdict: cached when fresh, else one run shared by every concurrent caller. */
  report(): Promise<ReadinessReport> {
    if (this.shuttingDown) return Promise.resolve({ status: 'shutting_down', checks: {}, checkedAt: new Date().toISOString() });
    if (this.cached && performance.now() < this.cached.until) return Promise.resolve(this.cached.report);
    if (!this.running) {
      const run = this.run();
      this.running = run;
      const done = () => {
        if (this.running === run) this.running = undefined;
      };
      run.then(done, done);
    }
    return this.running;
  }

  private async run(): Promise<ReadinessReport> {
    const names = [...this.checks.keys()];
    const outcomes = await Promise.all(names.map((name) => runOne(name, this.checks.get(name)!.check, this.checks.get(name)!.timeoutMs)));
    const checks: Record<string, CheckResult> = {};
    names.forEach((name, i) => {
      const { result, error } = outcomes[i]!;
      checks[name] = result;
      this.logTransition(name, result, error);
    });
    const status = outcomes.every((o) => o.result.status === 'ok') ? 'ok' : 'fail';
    const report: ReadinessReport = { status, checks, checkedAt: new Date().toISOString() };
    this.cached = { report, until: performance.now() + this.cacheMs };
    return report;
  }

  // One line when a check starts failing and one when it recovers, not one per probe.
  private logTransition(name: string, result: CheckResult, error: unknown): void {
    if (result.status === 'fail' && !this.failing.has(name)) {
      this.failing.add(name);
      log.warn(`readiness check "${name}" failed`, { check: name, code: result.code, error: error instanceof Error ? error.message : String(error) });
    } else if (result.status === 'ok' && this.failing.delete(name)) {
      log.info(`readiness check "${name}" recovered`, { check: name });
    }
  }
}
