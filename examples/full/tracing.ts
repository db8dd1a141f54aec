/**
 * examples/full: OpenTelemetry, only when it is installed. `@opentelemetry/api`,
 * `@opentelemetry/sdk-trace-base` and `@opentelemetry/context-async-hooks` are imported with a
 * guarded dynamic import: without them (or with EXAMPLE_OTEL=false) the service runs as before
 * and the kit correlates its lines from the W3C `traceparent` on its own.
 *
 * With them: a tracer provider and the AsyncLocalStorage context manager are registered, and
 * `middleware` opens one server span per request, child of the caller's `traceparent` — what
 * `@opentelemetry/instrumentation-http` does in production (use it there instead). Every log
 * line of the request then carries that span's `trace_id`/`span_id`/`trace_flags`, and
 * `propagationHeaders()` names it as the parent of outbound calls. EXAMPLE_OTEL_CONSOLE=true
 * prints finished spans (ConsoleSpanExporter); a real service exports them with OTLP.
 */
import type { RequestHandler } from 'express';
import { onShutdown, parseTraceparent, parseTracestate } from 'express-platform-kit';

export interface ExampleTracing {
  /** Mount first: one active server span per request. */
  middleware: RequestHandler;
}

async function loadOpenTelemetry() {
  try {
    const [api, sdk, hooks] = await Promise.all([import('@opentelemetry/api'), import('@opentelemetry/sdk-trace-base'), import('@opentelemetry/context-async-hooks')]);
    return { api, sdk, hooks };
  } catch {
    return undefined; // not installed: tracing stays off
  }
}

/** Registers an OpenTelemetry tracer provider when the packages are installed; undefined otherwise. */
export async function startTracing(env: NodeJS.ProcessEnv = process.env): Promise<ExampleTracing | undefined> {
  if (env.EXAMPLE_OTEL === 'false') return undefined;
  const otel = await loadOpenTelemetry();
  if (!otel) return undefined;
  const { api, sdk, hooks } = otel;
  const spanProcessors = env.EXAMPLE_OTEL_CONSOLE === 'true' ? [new sdk.SimpleSpanProcessor(new sdk.ConsoleSpanExporter())] : [];
  const provider = new sdk.BasicTracerProvider({ spanProcessors });
  api.context.setGlobalContextManager(new hooks.AsyncLocalStorageContextManager().enable());
  api.trace.setGlobalTracerProvider(provider);
  // Flush finished spans before Redis closes and logs flush ('app' runs first).
  onShutdown('tracing', () => provider.shutdown(), 'app');
  const tracer = provider.getTracer('examples/full');

  const middleware: RequestHandler = (req, res, next) => {
    // The caller's context, read with the kit's W3C parser (no propagator package needed).
    const caller = parseTraceparent(req.headers.traceparent);
    let parent = api.ROOT_CONTEXT;
    if (caller) {
      const tracestate = parseTracestate(req.headers.tracestate);
      parent = api.trace.setSpanContext(parent, {
        traceId: caller.traceId,
        spanId: caller.parentId,
        traceFlags: caller.flags & api.TraceFlags.SAMPLED,
        isRemote: true,
        ...(tracestate ? { traceState: api.createTraceState(tracestate) } : {}),
      });
    }
    tracer.startActiveSpan(req.method, { kind: api.SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': req.path } }, parent, (span) => {
      res.once('close', () => {
        span.setAttribute('http.response.status_code', res.statusCode);
        if (res.statusCode >= 500) span.setStatus({ code: api.SpanStatusCode.ERROR });
        span.end();
      });
      next();
    });
  };
  return { middleware };
}
