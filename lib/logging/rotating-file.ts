/**
 * A size-rotated file transport: `activity.log`,
 * `activity.log.1` … `activity.log.<maxFiles>`, each at most `maxBytes` (a single line longer
 * than that gets a file of its own).
 *
 * Why not winston's File transport: with `maxsize` it loses lines under fast writes (measured:
 * 100k lines with a 1 MB limit → ~1.5k lines missing, tailable or not), because it rotates
 * while asynchronous writes to the old stream are still pending. Here lines are queued and
 * written in batches with synchronous writes, once per event-loop turn, and rotation (close,
 * rename, reopen) happens between two batches, synchronously: no line can be written twice,
 * reordered or lost, and the queue is also flushed on process exit.
 *
 * Several processes may share one file (cluster or PM2 workers with the default `./logs`).
 * Each batch is appended with O_APPEND, so lines of different processes never overwrite each
 * other; before each batch the transport checks that its descriptor is still the file at
 * `filename` (another process may have rotated it) and reopens it when not; the size that
 * decides a rotation is the file's real size, not the bytes this process wrote; and one
 * process at a time rotates (a lock directory next to the file), after checking that nobody
 * rotated the file in between. A process that has not noticed a rotation yet writes its next
 * batch to `.1`, where it is kept: no line is lost or written twice.
 */
import { closeSync, fstatSync, mkdirSync, openSync, renameSync, rmdirSync, rmSync, statSync, writeSync } from 'node:fs';
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
/** A rotation lock older than this was left by a process that died while rotating. */
const STALE_LOCK_MS = 10_000;

function inodeOf(path: string): number | undefined {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
}

/** mkdir is atomic across processes: whoever creates the directory holds the lock. */
function acquireLock(path: string): boolean {
  try {
    mkdirSync(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return false;
  }
  try {
    if (Date.now() - statSync(path).mtimeMs < STALE_LOCK_MS) return false;
    rmdirSync(path);
    mkdirSync(path);
    return true;
  } catch {
    return false;
  }
}

function releaseLock(path: string): void {
  try {
    rmdirSync(path);
  } catch {
    // removed as stale by another process: nothing to release
  }
}
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
  /** Inode of the open file, to notice a rotation by another process. */
  private inode = 0;
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
    this.appendLine(typeof text === 'string' ? text : String(info.message));
    // The line is queued: acknowledge now, so a slow disk never stalls winston's pipe.
    callback();
  }

  /** Queues one rendered line (the kit's root logger calls this directly, with no record copy). */
  appendLine(line: string): void {
    this.queue.push(`${line}\n`);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flushSync());
    }
  }

  /** Writes every queued line now. */
  flushSync(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    const lines = this.queue;
    this.queue = [];
    try {
      this.followPath();
      let batch = '';
      let batchBytes = 0;
      for (const line of lines) {
        const bytes = Buffer.byteLength(line);
        if (this.size + batchBytes + bytes > this.maxBytes && this.size + batchBytes > 0) {
          this.writeText(batch);
          batch = '';
          batchBytes = 0;
          this.rotate();
          if (this.size + bytes > this.maxBytes && this.size > 0) this.rotate();
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

  /**
   * Makes the descriptor the file at `filename` again (reopened when another process rotated
   * or removed it) and takes the file's real size, which other processes grow too.
   */
  private followPath(): void {
    if (this.fd === undefined) return this.open();
    // One stat of the path per batch: when it is still our file (same inode), its size is our
    // descriptor's size too, so no fstat is needed (one syscall per batch, i.e. per request
    // when each event-loop turn finishes one response).
    const current = statSync(this.filename, { throwIfNoEntry: false });
    if (current?.ino !== this.inode) {
      this.closeFd();
      return this.open();
    }
    this.size = current.size;
  }

  private closeFd(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    this.fd = undefined;
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
    const stats = fstatSync(this.fd);
    this.size = stats.size;
    this.inode = stats.ino;
    liveTransports.add(this);
  }

  /**
   * Rotates, unless another process is rotating (its lock exists) or has rotated since our last
   * look (the path is another file now): then the current file is simply reopened.
   */
  private rotate(): void {
    const ours = this.inode;
    this.closeFd();
    const lock = `${this.filename}.rotating`;
    if (acquireLock(lock)) {
      try {
        if (inodeOf(this.filename) === ours) this.shiftFiles();
      } finally {
        releaseLock(lock);
      }
    }
    this.open();
  }

  private shiftFiles(): void {
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
    this.closeFd();
    liveTransports.delete(this);
  }
}

/**
 * Whether `transport` takes rendered lines through `appendLine()` exactly as through `log()`:
 * a {@link RotatingFileTransport} whose `log` nobody overrode.
 */
export function appendsLines(transport: unknown): transport is RotatingFileTransport {
  return transport instanceof RotatingFileTransport && transport.log === RotatingFileTransport.prototype.log;
}
