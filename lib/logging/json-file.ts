/**
 * A file that always holds the latest record as pretty JSON, rewritten on every record
 * (handy for "what was the last thing that happened" debugging and for tests).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import TransportStream from 'winston-transport';
import { jsonRecordOf } from './formats.js';
import { toSafeValue } from './safe-json.js';

/**
 * A winston transport overwriting `path` with each record as indented JSON.
 *
 * @example
 * ```ts
 * getRootLogger().add(jsonFileTransport('logs/last-error.json', { level: 'error' }))
 * ```
 */
export function jsonFileTransport(path: string, options: TransportStream.TransportStreamOptions = {}): TransportStream {
  mkdirSync(dirname(path), { recursive: true });
  return new JsonFileTransport(path, options);
}

class JsonFileTransport extends TransportStream {
  constructor(
    private readonly path: string,
    options: TransportStream.TransportStreamOptions,
  ) {
    super(options);
  }

  override log(info: Record<string | symbol, unknown>, callback: () => void): void {
    try {
      writeFileSync(this.path, `${JSON.stringify(toSafeValue(jsonRecordOf(info as never)), null, 4)}\n`);
    } catch {
      // A debugging aid must never break the app.
    }
    callback();
  }
}
