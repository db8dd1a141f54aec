/**
 * The Kubernetes shutdown order (terminus / lightship): on SIGTERM, readiness turns 503 first;
 * after `readinessDelayMs` (long enough for the load balancer to stop sending new requests),
 * `gracefulShutdown` drains in-flight requests and runs the closers.
 */
import type { Server } from 'node:http';
import { z } from 'zod';
import { parseOptions, type KnownOptions } from '../config/settings.js';
import { getLogger } from '../logging/logger.js';
import { gracefulShutdown, type GracefulShutdownOptions, type ShutdownReport } from '../shutdown/index.js';

export interface ShutdownOnSignalOptions {
  /** Time between readiness turning 503 and the drain, ms. Default 5000 (a few probe periods). */
  readinessDelayMs?: number;
  /** Signals that start the shutdown. Default `['SIGTERM', 'SIGINT']`. */
  signals?: NodeJS.Signals[];
  /** Options passed to `gracefulShutdown`. */
  shutdown?: GracefulShutdownOptions;
  /** Exit the process when done (0 when drained without failures, else 1). Default true. */
  exit?: boolean;
  /** Called with the report before exiting (tests, last words). */
  onDone?: (report: ShutdownReport) => void | Promise<void>;
}

/** The installed signal handlers. */
export interface SignalShutdownHandle {
  /** Starts the flow now, as a signal would; later calls and signals join the same run. */
  shutdown(): Promise<ShutdownReport>;
  /** Removes the signal handlers (the flow is not started). */
  dispose(): void;
}

interface ReadinessSwitch {
  markShuttingDown(): void;
}

const optionsSchema = z.object({
  readinessDelayMs: z.number().int().min(0).max(2 ** 31 - 1).default(5000),
  signals: z.array(z.string().regex(/^SIG[A-Z0-9]+$/, { message: 'must be signal names such as SIGTERM' })).min(1).default(['SIGTERM', 'SIGINT']),
  shutdown: z.record(z.string(), z.unknown()).optional(),
  exit: z.boolean().default(true),
  onDone: z.function().optional(),
});
const KNOWN: KnownOptions<ShutdownOnSignalOptions> = { readinessDelayMs: true, signals: true, shutdown: true, exit: true, onDone: true };

const log = getLogger('health');

/** Installs the handlers; see {@link ShutdownOnSignalOptions}. Bad options throw one `ConfigError`. */
export function shutdownOnSignal(server: Server, readiness: ReadinessSwitch, options: ShutdownOnSignalOptions = {}): SignalShutdownHandle {
  const parsed = parseOptions(optionsSchema, options, 'shutdownOnSignal options', KNOWN);
  const signals = parsed.signals as NodeJS.Signals[];
  let run: Promise<ShutdownReport> | undefined;

  const flow = async (): Promise<ShutdownReport> => {
    readiness.markShuttingDown();
    log.info('shutdown: readiness is 503, draining after the load-balancer delay', { readinessDelayMs: parsed.readinessDelayMs });
    // Not unref'ed: this wait is the reason the process is still alive.
    await new Promise((resolve) => setTimeout(resolve, parsed.readinessDelayMs));
    const report = await gracefulShutdown(server, (parsed.shutdown ?? {}) as GracefulShutdownOptions);
    await options.onDone?.(report);
    if (parsed.exit) process.exit(report.drained && report.failures.length === 0 ? 0 : 1);
    return report;
  };
  const shutdown = (): Promise<ShutdownReport> => {
    run ??= flow();
    return run;
  };
  const onSignal = (): void => {
    shutdown().catch((error: unknown) => {
      log.error('shutdown failed', { error: error instanceof Error ? error.message : String(error) });
      if (parsed.exit) process.exit(1);
    });
  };
  for (const signal of signals) process.on(signal, onSignal);
  const dispose = (): void => {
    for (const signal of signals) process.off(signal, onSignal);
  };
  return { shutdown, dispose };
}
