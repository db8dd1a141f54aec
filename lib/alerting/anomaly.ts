/**
 * Dynamic thresholds: a rolling window per metric. After a warm-up, a value further than
 * `zThreshold` standard deviations from the window's mean is an anomaly. Every value then
 * joins the window, so a lasting change of level becomes the new normal (and its alert
 * resolves) instead of alerting forever; a static rule is the tool for absolute limits.
 */

export interface AnomalyDetectionOptions {
  /** Samples kept per metric. Default 30. */
  windowSize?: number;
  /** Samples needed before any verdict (warm-up). Default 10. */
  minSamples?: number;
  /** Distance from the mean, in standard deviations, that counts as anomalous. Default 3. */
  zThreshold?: number;
  /** Which side counts: `both` (default), `up` (spikes only) or `down` (drops only). */
  direction?: 'both' | 'up' | 'down';
  /**
   * Floor of the standard deviation, relative to |mean|, so a perfectly flat series does not
   * flag a rounding-level wiggle. Default 0.05 (5% of the mean).
   */
  minRelativeStdDev?: number;
  /**
   * Absolute floor of the standard deviation, per metric or for all. Default
   * `{ errorRate: 0.01 }` (an error rate that sits at 0 does not alert on one stray error;
   * the static rule covers it) and 1e-9 for other metrics.
   */
  minStdDev?: number | Record<string, number>;
  /** Metrics to watch. Default every metric passed to `evaluate()`. */
  metrics?: string[];
  /** Severity of anomaly alerts. Default `medium`. */
  severity?: 'low' | 'medium' | 'high' | 'critical';
}

/** The verdict on one value. */
export interface AnomalyVerdict {
  /** False during warm-up (no verdict). */
  ready: boolean;
  anomalous: boolean;
  mean: number;
  stdDev: number;
  zScore: number;
  /** The bound the value was compared with (mean ± z·stdDev, on the side of the value). */
  bound: number;
}

interface Window {
  values: number[];
  next: number;
}

/**
 * Default absolute deviation floors per metric (see `minStdDev`).
 *
 * @example
 * ```ts
 * new AlertManager({ anomaly: { minStdDev: { ...DEFAULT_ANOMALY_MIN_STD_DEV, latencyMs: 5 } } })
 * ```
 */
export const DEFAULT_ANOMALY_MIN_STD_DEV: Readonly<Record<string, number>> = Object.freeze({ errorRate: 0.01 });

/**
 * Rolling mean/standard-deviation detector, one window per metric (what `AlertManager` uses;
 * public for custom pipelines).
 *
 * @example
 * ```ts
 * const detector = new AnomalyDetector({ zThreshold: 4 })
 * if (detector.observe('latencyMs', 812).anomalous) page()
 * ```
 */
export class AnomalyDetector {
  private readonly windows = new Map<string, Window>();
  private readonly windowSize: number;
  private readonly minSamples: number;
  private readonly zThreshold: number;
  private readonly direction: 'both' | 'up' | 'down';
  private readonly minRelativeStdDev: number;
  private readonly minStdDev: number | Record<string, number>;

  constructor(options: AnomalyDetectionOptions = {}) {
    this.windowSize = options.windowSize ?? 30;
    this.minSamples = Math.min(options.minSamples ?? 10, this.windowSize);
    this.zThreshold = options.zThreshold ?? 3;
    this.direction = options.direction ?? 'both';
    this.minRelativeStdDev = options.minRelativeStdDev ?? 0.05;
    this.minStdDev = options.minStdDev ?? DEFAULT_ANOMALY_MIN_STD_DEV;
  }

  /** Judges `value` against the metric's recent history, then adds it to that history. */
  observe(metric: string, value: number): AnomalyVerdict {
    let window = this.windows.get(metric);
    if (!window) this.windows.set(metric, (window = { values: [], next: 0 }));
    const verdict = this.judge(metric, window.values, value);
    if (window.values.length < this.windowSize) window.values.push(value);
    else {
      window.values[window.next] = value;
      window.next = (window.next + 1) % this.windowSize;
    }
    return verdict;
  }

  /** Forgets the history of one metric, or of all. */
  reset(metric?: string): void {
    if (metric === undefined) this.windows.clear();
    else this.windows.delete(metric);
  }

  private absoluteFloor(metric: string): number {
    if (typeof this.minStdDev === 'number') return this.minStdDev;
    return Object.hasOwn(this.minStdDev, metric) ? (this.minStdDev[metric] ?? 1e-9) : 1e-9;
  }

  private judge(metric: string, values: readonly number[], value: number): AnomalyVerdict {
    const n = values.length;
    if (n < this.minSamples) return { ready: false, anomalous: false, mean: 0, stdDev: 0, zScore: 0, bound: 0 };
    let sum = 0;
    for (const v of values) sum += v;
    const mean = sum / n;
    let squares = 0;
    for (const v of values) squares += (v - mean) ** 2;
    const measured = Math.sqrt(squares / n);
    const stdDev = Math.max(measured, this.minRelativeStdDev * Math.abs(mean), this.absoluteFloor(metric));
    const zScore = (value - mean) / stdDev;
    const up = zScore > this.zThreshold && this.direction !== 'down';
    const down = zScore < -this.zThreshold && this.direction !== 'up';
    const bound = value >= mean ? mean + this.zThreshold * stdDev : mean - this.zThreshold * stdDev;
    return { ready: true, anomalous: up || down, mean, stdDev, zScore, bound };
  }
}
