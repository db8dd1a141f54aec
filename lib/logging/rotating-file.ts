/**
 * A size-rotated file transport (the reference's RotatingFileHandler): `activity.log`,
 * `activity.log.1` … `activity.log.<maxFiles>`, each at most `maxBytes` (a single line longer
 * than that gets a file of its own).
 *
 * Why not winston's File transport: with `maxsize` it loses lines under fast writes (measured:
 * 100k lines with a 1 MB limit → ~1.5k lines missing, tailable or not), because it rotates
 * while asynchronous writes to the old stream are still pending. Here lines are queued and
 * written in batches with synchronous writes, once per event-loop turn, and rotation (close,
 * rename, reopen) happens between two batches, synchronously: no line can be written twice,
 * reordered or lost, and the queue is also flushed on process exit.
 */
import { closeSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import TransportStream from 'winston-transport';
import { emitKitWarning } from '../config/warnings.js';

const MESSAGE = Symbol.for('message');

export interface RotatingFileTransportOptions extends TransportStream.TransportStreamOptions {
  /** Path of the live file. */
  filename: string;
  /** Rotate before a write would make the file larger than this. Default 10 MB. */
  maxBytes?: number;
  /** Rotated files kept (`.1` … `.N`); older ones are deleted. Default 3. */
  maxFiles?: number;
}

const liveTransports = new Set<RotatingFileTransport>();
let exitHookInstalled = false;

function flushAllOnExit(): void {
  for (const transport of liveTransports) transport.flushSync();
}

/**
 * Winston transport writing `info[MESSAGE]` lines to a size-rotated file.
 *
 * @example
 * ```ts
 * logger.add(new RotatingFileTransport({ filename: 'logs/activity.log', maxBytes: 10 * 1024 * 1024, maxFiles: 3 }))
 * ```
 */
export class RotatingFileTransport extends TransportStream {
  readonly filename: string;
  readonly maxBytes: number;
  readonly maxFiles: number;
  private fd: number | undefined;
  private size = 0;
  private queue: string[] = [];
  private scheduled = false;
  private failed = false;

  constructor(options: RotatingFileTransportOptions) {
    super(options);
    this.filename = options.filename;
    this.maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
    this.maxFiles = options.maxFiles ?? 3;
    if (!(this.maxBytes >= 1) || !Number.isInteger(this.maxFiles) || this.maxFiles < 0) {
      throw new TypeError('RotatingFileTransport: maxBytes must be ≥ 1 and maxFiles an integer ≥ 0');
    }
    mkdirSync(dirname(this.filename), { recursive: true });
    this.open();
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', flushAllOnExit);
    }
  }

  override log(info: Record<string | symbol, unknown>, callback: () => void): void {
    const text = info[MESSAGE];
    this.queue.push(`${typeof text === 'string' ? text : String(info.message)}\n`);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flushSync());
    }
    // The line is queued: acknowledge now, so a slow disk never stalls winston's pipe.
    callback();
  }

  /** Writes every queued line now. */
  flushSync(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    const lines = this.queue;
    this.queue = [];
    try {
      if (this.fd === undefined) this.open();
      let batch = '';
      let batchBytes = 0;
      for (const line of lines) {
        const bytes = Buffer.byteLength(line);
        if (this.size + batchBytes + bytes > this.maxBytes && this.size + batchBytes > 0) {
          this.writeText(batch);
          batch = '';
          batchBytes = 0;
          this.rotate();
        }
        batch += line;
        batchBytes += bytes;
      }
      this.writeText(batch);
    } catch (error) {
      this.reportFailure(error);
    }
  }

  private writeText(text: string): void {
    if (!text) return;
    const buffer = Buffer.from(text);
    let offset = 0;
    while (offset < buffer.length) offset += writeSync(this.fd!, buffer, offset, buffer.length - offset);
    this.size += buffer.length;
  }

  private open(): void {
    try {
      this.fd = openSync(this.filename, 'a');
    } catch (error) {
      // The directory was removed (log cleanup, tmp reaper): recreate it and go on.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      mkdirSync(dirname(this.filename), { recursive: true });
      this.fd = openSync(this.filename, 'a');
    }
    this.size = fstatSync(this.fd).size;
    liveTransports.add(this);
  }

  private rotate(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    if (this.maxFiles === 0) {
      rmSync(this.filename, { force: true });
    } else {
      rmSync(`${this.filename}.${this.maxFiles}`, { force: true });
      for (let index = this.maxFiles - 1; index >= 1; index -= 1) {
        try {
          renameSync(`${this.filename}.${index}`, `${this.filename}.${index + 1}`);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        }
      }
      renameSync(this.filename, `${this.filename}.1`);
    }
    this.open();
  }

  private reportFailure(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    const code = (error as NodeJS.ErrnoException)?.code ?? 'unknown error';
    emitKitWarning('WARN_LOG_FILE_WRITE_FAILED', `Writing log file ${this.filename} failed (${code}); lines are dropped until it works again.`, this.filename);
    setTimeout(() => (this.failed = false), 10_000).unref();
  }

  /** Flushes and closes the file; a later record reopens it. */
  override close(): void {
    this.flushSync();
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
    }
    this.fd = undefined;
    liveTransports.delete(this);
  }
}
