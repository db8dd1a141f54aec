/**
 * The OpenTelemetry side of the request metrics: `http.server.request.duration` recorded through
 * the OpenTelemetry Metrics API. `@opentelemetry/api` is an optional peer: it is loaded only
 * when `otel: true` asks for the global meter provider (a passed `meterProvider` needs nothing
 * installed), and its absence is a ConfigError when the factory is called, not a crash on the
 * first request. Types are structural, so the kit's `.d.ts` never names the optional package.
 */
import { loadOptionalPeer } from '../config/optional-peer.js';
import { ConfigError } from '../config/settings.js';

/**
 * Bucket boundaries (seconds) of `http.server.request.duration` recommended by the OpenTelemetry
 * HTTP semantic conventions: the default of the `opentelemetry` dialect and of the OTel
 * histogram (as advice; a View in the SDK can still override it).
 *
 * @example
 * ```ts
 * requestMetrics({ dialect: 'opentelemetry', buckets: [...OTEL_HTTP_DURATION_BUCKETS, 30] })
 * ```
 */
export const OTEL_HTTP_DURATION_BUCKETS: readonly number[] = Object.freeze([0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]);

/** Name of the semantic-convention metric (unit `s`). */
export const OTEL_HTTP_DURATION_METRIC = 'http.server.request.duration';

/** Attributes of one recorded request, per the HTTP server semantic conventions. */
export type OtelRequestAttributes = Readonly<Record<string, string | number>>;

/** The part of an OpenTelemetry `Histogram` the kit uses. */
export interface OtelHistogramLike {
  record(value: number, attributes?: OtelRequestAttributes): void;
}

/** The part of an OpenTelemetry `MeterProvider` the kit uses (an SDK `MeterProvider` or `metrics.getMeterProvider()`). */
export interface OtelMeterProviderLike {
  getMeter(
    name: string,
    version?: string,
    options?: object,
  ): {
    createHistogram(name: string, options?: { description?: string; unit?: string; advice?: { explicitBucketBoundaries?: number[] } }): OtelHistogramLike;
  };
}

/** True for anything with a `getMeter` function. */
export function isMeterProvider(value: unknown): value is OtelMeterProviderLike {
  return typeof value === 'object' && value !== null && typeof (value as { getMeter?: unknown }).getMeter === 'function';
}

/**
 * The global meter provider of `@opentelemetry/api` (`metrics.getMeterProvider()`), or a
 * ConfigError naming `option` when the package is not installed (when the factory is called,
 * not later).
 */
export function globalMeterProvider(option: string, scope: string, specifier = '@opentelemetry/api'): OtelMeterProviderLike {
  const peer = loadOptionalPeer(specifier);
  if (!peer.loaded) {
    if (!peer.missing) throw peer.error;
    throw new ConfigError([{ variable: option, message: `needs the optional peer dependency ${specifier}: npm install ${specifier} (or pass meterProvider)` }], scope);
  }
  const api = peer.module as { metrics?: { getMeterProvider?: () => unknown } } | undefined;
  const provider = api?.metrics?.getMeterProvider?.();
  if (!isMeterProvider(provider)) throw new ConfigError([{ variable: option, message: `${specifier} did not return a meter provider` }], scope);
  return provider;
}

/** The `http.server.request.duration` histogram (seconds) of `provider`, meter `express-platform-kit`. */
export function otelDurationHistogram(provider: OtelMeterProviderLike, buckets: readonly number[]): OtelHistogramLike {
  return provider.getMeter('express-platform-kit').createHistogram(OTEL_HTTP_DURATION_METRIC, {
    description: 'Duration of HTTP server requests.',
    unit: 's',
    advice: { explicitBucketBoundaries: [...buckets] },
  });
}
