/**
 * Dynamic thresholds: a rolling window per metric, judged with robust statistics. After a
 * warm-up, a value further than `zThreshold` robust deviations (1.4826 × the median absolute
 * deviation, the standard deviation of a normal series) from the window's median is an anomaly.
 * Anomalous values stay out of the window, so one spike cannot inflate the spread and hide the
 * next anomaly (a mean/standard deviation window did, for its whole length). A lasting change of
 * level is accepted after `relearnAfter` anomalous values in a row: they become the window (the
 * alert resolves) instead of alerting forever; a static rule is the tool for absolute limits.
 */

export interface AnomalyDetectionOptions {
  /** Samples kept per metric. Default 30. */
  windowSize?: number;
  /** Samples needed before any verdict (warm-up). Default 10. */
  minSamples?: number;
  /** Distance from the median, in robust deviations (1.4826 × MAD), that counts as anomalous. Default 3. */
  zThreshold?: number;
  /** Which side counts: `both` (default), `up` (spikes only) or `down` (drops only). */
  direction?: 'both' | 'up' | 'down';
  /**
   * Anomalous values in a row after which the level they sit at becomes the new baseline.
   * Default 10.
   */
  relearnAfter?: number;
  /**
   * Floor of the deviation, relative to |median|, so a perfectly flat series does not
   * flag a rounding-level wiggle. Default 0.05 (5% of the median).
   */
  minRelativeStdDev?: number;
  /**
   * Absolute floor of the deviation, per metric or for all. Default
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
  /** The baseline's center: the window's median (named `mean` since 0.2). */
  mean: number;
  /** The baseline's spread: 1.4826 × MAD, after the floors (named `stdDev` since 0.2). */
  stdDev: number;
  /** (value − median) / spread. */
  zScore: number;
  /** The bound the value was compared with (median ± z·spread, on the side of the value). */
  bound: number;
}

interface Window {
  values: number[];
  next: number;
  /** Anomalous values in a row, kept out of `values` until `relearnAfter` of them. */
  rejected: number[];
  /** Past the warm-up once: a relearned (shorter) window still gives verdicts. */
  warmed: boolean;
}

/** 1 / Φ⁻¹(3/4): scales the MAD to the standard deviation of a normal distribution. */
const MAD_SCALE = 1.4826;

function median(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
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
 * Rolling median/MAD detector, one window per metric (what `AlertManager` uses;
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
  private readonly relearnAfter: number;

  constructor(options: AnomalyDetectionOptions = {}) {
    this.windowSize = options.windowSize ?? 30;
    this.minSamples = Math.min(options.minSamples ?? 10, this.windowSize);
    this.zThreshold = options.zThreshold ?? 3;
    this.direction = options.direction ?? 'both';
    this.minRelativeStdDev = options.minRelativeStdDev ?? 0.05;
    this.minStdDev = options.minStdDev ?? DEFAULT_ANOMALY_MIN_STD_DEV;
    this.relearnAfter = Math.max(1, options.relearnAfter ?? 10);
  }

  /**
   * Judges `value` against the metric's recent history; a normal value joins that history, an
   * anomalous one is held back (see `relearnAfter`).
   */
  observe(metric: string, value: number): AnomalyVerdict {
    let window = this.windows.get(metric);
    if (!window) this.windows.set(metric, (window = { values: [], next: 0, rejected: [], warmed: false }));
    const verdict = this.judge(metric, window.values, value, window.warmed);
    if (verdict.ready) window.warmed = true;
    if (!verdict.anomalous) {
      window.rejected = [];
      this.push(window, value);
    } else if (window.rejected.push(value) >= this.relearnAfter) {
      // A level that lasted: it is the normal now.
      window.values = window.rejected.slice(-this.windowSize);
      window.next = window.values.length % this.windowSize;
      window.rejected = [];
    }
    return verdict;
  }

  private push(window: Window, value: number): void {
    if (window.values.length < this.windowSize) window.values.push(value);
    else {
      window.values[window.next] = value;
      window.next = (window.next + 1) % this.windowSize;
    }
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

  private judge(metric: string, values: readonly number[], value: number, warmed: boolean): AnomalyVerdict {
    const n = values.length;
    if (n < (warmed ? Math.min(2, this.minSamples) : this.minSamples)) return { ready: false, anomalous: false, mean: 0, stdDev: 0, zScore: 0, bound: 0 };
    const center = median([...values].sort((a, b) => a - b));
    const mad = median(values.map((v) => Math.abs(v - center)).sort((a, b) => a - b));
    const mean = center;
    const measured = MAD_SCALE * mad;
    const stdDev = Math.max(measured, this.minRelativeStdDev * Math.abs(mean), this.absoluteFloor(metric));
    const zScore = (value - mean) / stdDev;
    const up = zScore > this.zThreshold && this.direction !== 'down';
    const down = zScore < -this.zThreshold && this.direction !== 'up';
    const bound = value >= mean ? mean + this.zThreshold * stdDev : mean - this.zThreshold * stdDev;
    return { ready: true, anomalous: up || down, mean, stdDev, zScore, bound };
  }
}
