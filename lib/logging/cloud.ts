/**
 * Google Cloud Logging through `@google-cloud/logging-winston`, loaded lazily (a dynamic
 * import on first use: apps without cloud logging never load any Google package).
 *
 * The kit wraps the real `LoggingWinston` in a small transport that
 * - acknowledges each record at once, so a slow or unreachable Logging API never stalls
 *   winston's pipe (which would stop the console and file transports too);
 * - buffers records while the package loads, bounded;
 * - catches every delivery error (callback errors, synchronous throws) and reports them as one
 *   coded warning instead of an 'error' event (winston rethrows unhandled transport errors);
 * - counts entries in flight, so `shutdownLogging()` can wait until they are delivered.
 */
import TransportStream from 'winston-transport';
import { emitKitWarning } from '../config/warnings.js';
import { CLOUD_LEVEL_CODES } from './levels.js';
import { isSensitiveKey, redactionCensor } from './redact.js';
import { toSafeValue } from './safe-json.js';

/** Fields the Google transport promotes to the LogEntry itself: passed through untouched. */
const ENTRY_FIELDS = new Set(['httpRequest', 'labels', 'logName', 'logging.googleapis.com/trace', 'logging.googleapis.com/spanId', 'logging.googleapis.com/trace_sampled']);

/**
 * A copy of the record the Google transport can always serialize (no BigInt, no cycles,
 * credentials redacted) with the record's own time as the entry timestamp.
 */
function cloudRecordOf(info: Record<string | symbol, unknown>): Record<string | symbol, unknown> {
  const out: Record<string | symbol, unknown> = {};
  for (const symbol of Object.getOwnPropertySymbols(info)) out[symbol] = info[symbol];
  for (const key of Object.keys(info)) {
    const value = info[key];
    if (value === undefined) continue;
    if (key === 'timestamp') {
      const date = new Date(value as string);
      if (!Number.isNaN(date.getTime())) out.timestamp = date;
    } else if (ENTRY_FIELDS.has(key) || key === 'level' || key === 'stack') {
      out[key] = value;
    } else if (key === 'message') {
      out.message = typeof value === 'string' ? value : JSON.stringify(toSafeValue(value));
    } else if (isSensitiveKey(key)) {
      out[key] = redactionCensor();
    } else {
      out[key] = typeof value === 'object' || typeof value === 'bigint' || typeof value === 'function' || typeof value === 'symbol' ? toSafeValue(value) : value;
    }
  }
  return out;
}

/** Options of the Google Cloud transport (the rest is passed to `LoggingWinston` as is). */
export interface CloudLoggingOptions {
  /** `'api'`: entries sent to the Logging API (VMs, anywhere). `'stdout'`: structured JSON on stdout, read by the logging agent of Cloud Run / GKE. */
  mode?: 'api' | 'stdout';
  /** Google Cloud project id (also used to build trace resource names). Default: GOOGLE_CLOUD_PROJECT / GCLOUD_PROJECT. */
  projectId?: string;
  /** Log name. Default `winston_log`. */
  logName?: string;
  /** Monitored resource, e.g. `{ type: 'global' }`; detected when omitted. */
  resource?: { type: string; labels?: Record<string, string> };
  /** Labels added to every entry. */
  labels?: Record<string, string>;
  /** Error Reporting service context. */
  serviceContext?: { service?: string; version?: string };
  /** Records buffered while the package loads. Default 10000. */
  maxBufferedEntries?: number;
  /** Any other `LoggingWinston` / Logging client option (apiEndpoint, port, sslCreds, authClient, credentials, keyFilename, maxRetries…). */
  [option: string]: unknown;
}

interface InnerTransport {
  log(info: unknown, callback: (error?: unknown) => void): void;
  on?(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** The project id from options or the usual environment variables. */
export function cloudProjectId(options: CloudLoggingOptions = {}, env: Record<string, string | undefined> = process.env): string | undefined {
  return options.projectId ?? env.GOOGLE_CLOUD_PROJECT ?? env.GCLOUD_PROJECT ?? env.GCP_PROJECT ?? undefined;
}

/** The Google Cloud transport installed by `configureLogging()` when cloud logging is enabled. */
export class CloudTransport extends TransportStream {
  readonly mode: 'api' | 'stdout';
  readonly projectId: string | undefined;
  /** Entries handed to the Google transport and confirmed (or written to stdout). */
  delivered = 0;
  /** Entries that failed or were dropped. */
  failed = 0;
  private inner: InnerTransport | undefined;
  private loadError: unknown;
  private readonly loading: Promise<void>;
  private buffer: Record<string | symbol, unknown>[] = [];
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly maxBuffered: number;

  constructor(options: CloudLoggingOptions = {}, transportOptions: TransportStream.TransportStreamOptions = {}) {
    super(transportOptions);
    const { mode = 'api', maxBufferedEntries = 10_000, ...rest } = options;
    this.mode = mode;
    this.projectId = cloudProjectId(options);
    this.maxBuffered = maxBufferedEntries;
    const innerOptions = {
      logName: 'winston_log',
      levels: CLOUD_LEVEL_CODES,
      ...rest,
      projectId: this.projectId,
      redirectToStdout: mode === 'stdout',
      // stdout mode: the record's fields go to the top level of the JSON line, not under `message`.
      useMessageField: mode === 'stdout' ? false : undefined,
    };
    this.loading = this.load(innerOptions);
  }

  private async load(innerOptions: Record<string, unknown>): Promise<void> {
    try {
      const module = (await import('@google-cloud/logging-winston')) as unknown as {
        LoggingWinston?: new (options: unknown) => InnerTransport;
        default?: { LoggingWinston?: new (options: unknown) => InnerTransport };
      };
      const LoggingWinston = module.LoggingWinston ?? module.default?.LoggingWinston;
      if (!LoggingWinston) throw new Error('LoggingWinston export not found');
      const inner = new LoggingWinston(innerOptions);
      inner.on?.('error', (error) => this.report(error));
      this.inner = inner;
    } catch (error) {
      this.loadError = error;
      const reason = error instanceof Error ? error.message : String(error);
      emitKitWarning('WARN_CLOUD_LOGGING_UNAVAILABLE', `Cloud logging is enabled but @google-cloud/logging-winston could not be started (${reason}); install it or disable ENABLE_CLOUD_LOGGING.`);
      this.failed += this.buffer.length;
      this.buffer = [];
      return;
    }
    const pending = this.buffer;
    this.buffer = [];
    for (const info of pending) this.forward(info);
  }

  override log(info: Record<string | symbol, unknown>, callback: () => void): void {
    if (this.inner) {
      this.forward(info);
    } else if (this.loadError !== undefined) {
      this.failed += 1;
    } else if (this.buffer.length < this.maxBuffered) {
      this.buffer.push(info);
    } else {
      this.failed += 1;
    }
    callback();
  }

  private forward(info: Record<string | symbol, unknown>): void {
    this.inFlight += 1;
    let settled = false;
    const done = (error?: unknown): void => {
      if (settled) return;
      settled = true;
      this.inFlight -= 1;
      if (error) {
        this.failed += 1;
        this.report(error);
      } else {
        this.delivered += 1;
      }
      if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    };
    try {
      this.inner!.log(cloudRecordOf(info), done);
    } catch (error) {
      done(error);
    }
  }

  private report(error: unknown): void {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    emitKitWarning('WARN_CLOUD_LOGGING_FAILED', `Sending logs to Google Cloud failed (${reason}); other transports are not affected.`);
  }

  /** Resolves true once every entry is delivered (or failed), false when `timeoutMs` passed first. */
  async flush(timeoutMs = 10_000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
    });
    const idle = (async () => {
      await this.loading;
      if (this.inFlight > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      return true as const;
    })();
    try {
      return await Promise.race([idle, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Entries waiting for the package to load or for the API to answer. */
  get pendingEntries(): number {
    return this.buffer.length + this.inFlight;
  }
}
