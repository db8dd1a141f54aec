/**
 * Where `errorHandler()` reports the errors it renders as 5xx (and any error it must not
 * swallow silently). The errors layer sits below logging, so it cannot import the kit's
 * logger: logging registers itself here when `configureLogging()` runs. Until then, one JSON
 * line on stderr per error, with the stack as a field (never 30 plain-text lines).
 */

/** What the error handler knows about a failure it rendered. */
export interface ErrorReport {
  error: unknown;
  /** The status it answered with. */
  status: number;
  method?: string;
  /** The request path, without the query string (which may hold secrets). */
  path?: string;
  /** The request id, when requestContext() (or an upstream proxy) set one. */
  requestId?: string;
}

export type ErrorReporter = (report: ErrorReport) => void;

function describe(error: unknown): { message: string; name?: string; code?: unknown; stack?: string } {
  if (error instanceof Error) {
    return { message: error.message, name: error.name, code: (error as { code?: unknown }).code, stack: error.stack };
  }
  return { message: String(error) };
}

/** The reporter used before logging is configured: one JSON line on stderr. */
export const stderrErrorReporter: ErrorReporter = (report) => {
  const { error, ...request } = report;
  const described = describe(error);
  const line = JSON.stringify({ timestamp: new Date().toISOString(), level: 'ERROR', logger: 'errors', message: described.message, ...request, exception: described });
  process.stderr.write(`${line}\n`);
};

let current: ErrorReporter = stderrErrorReporter;

/** Replaces the reporter (`configureLogging()` does this); `undefined` restores the stderr one. */
export function setErrorReporter(reporter: ErrorReporter | undefined): void {
  current = reporter ?? stderrErrorReporter;
}

/** The reporter in use (tests and tools that swap it restore it with `setErrorReporter`). */
export function getErrorReporter(): ErrorReporter {
  return current;
}

/** Reports one error; a reporter that throws never breaks the response. */
export function reportError(report: ErrorReport): void {
  try {
    current(report);
  } catch {
    stderrErrorReporter(report);
  }
}
