/**
 * Test helpers for the logging module: an in-memory winston transport and a configuration
 * that writes only there (no console noise during the run).
 */
import TransportStream from 'winston-transport';
import { configureLogging, type ConfigureLoggingOptions } from '../../lib/logging/index.js';

export const MESSAGE = Symbol.for('message');
export const LEVEL = Symbol.for('level');

export type Record_ = Record<string | symbol, unknown>;

/** Keeps a copy of every record it receives (after its own format, when it has one). */
export class MemoryTransport extends TransportStream {
  readonly records: Record_[] = [];

  override log(info: Record_, callback: () => void): void {
    this.records.push({ ...info });
    callback();
  }

  clear(): void {
    this.records.length = 0;
  }

  messages(): string[] {
    return this.records.map((record) => String(record.message));
  }
}

/** Configures the root logger to write only to a fresh memory transport. */
export function captureLogs(options: ConfigureLoggingOptions = {}): MemoryTransport {
  const memory = new MemoryTransport();
  configureLogging({ env: {}, console: false, file: false, cloud: false, level: 'debug', ...options, transports: [memory, ...(options.transports ?? [])] });
  return memory;
}

/** Resolves once `predicate` holds (polling; for flushes that have no event). */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
