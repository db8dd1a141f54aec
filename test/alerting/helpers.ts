/** Test helpers of the alerting suite: a recording notifier, a log capture, a /metrics parser. */
import TransportStream from 'winston-transport';
import { getRootLogger } from '../../lib/logging/logger.js';
import type { AlertEvent, AlertNotifier } from '../../lib/alerting/index.js';

/** A real notifier that keeps what it receives. */
export function recordingNotifier(): AlertNotifier & { events: AlertEvent[] } {
  const events: AlertEvent[] = [];
  return { name: 'recording', events, notify: (event) => void events.push(structuredClone(event)) };
}

interface LogRecord {
  level: string;
  message: string;
  [key: string]: unknown;
}

/** Captures every record of the root logger while `body` runs. */
export async function captureLogs<T>(body: () => Promise<T>): Promise<{ result: T; records: LogRecord[] }> {
  const records: LogRecord[] = [];
  const transport = new (class extends TransportStream {
    override log(info: LogRecord, next: () => void): void {
      records.push({ ...info });
      next();
    }
  })();
  getRootLogger().add(transport);
  try {
    const result = await body();
    return { result, records };
  } finally {
    getRootLogger().remove(transport);
  }
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text exposition format (0.0.4); throws on any malformed line. */
export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) {
      if (line.startsWith('# ') && !/^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$/.test(line)) throw new Error(`bad comment line: ${line}`);
      continue;
    }
    // prom-client 15 writes NaN as `Nan` (its default event-loop metrics before the first sample);
    // Prometheus parses floats with Go's ParseFloat, which accepts any case, so the scrape is valid.
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (-?[0-9.eE+-]+|NaN|Nan|\+Inf|-Inf)( -?\d+)?$/.exec(line);
    if (!match) throw new Error(`bad sample line: ${line}`);
    const labels: Record<string, string> = {};
    if (match[3]) {
      const labelPattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;
      let rest = match[3];
      while (rest.length > 0) {
        labelPattern.lastIndex = 0;
        const label = labelPattern.exec(rest);
        if (!label) throw new Error(`bad labels: ${match[3]}`);
        labels[label[1]!] = label[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
        rest = rest.slice(label[0].length);
      }
    }
    samples.push({ name: match[1]!, labels, value: Number(match[4]!.replace('+Inf', 'Infinity').replace('-Inf', '-Infinity')) });
  }
  return samples;
}

/** Sum of the samples named `name` whose labels include `where`. */
export function total(samples: Sample[], name: string, where: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}
