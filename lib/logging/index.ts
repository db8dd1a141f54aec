/**
 * `express-platform-kit/logging`: winston configured in one call, request-context logging
 * (every line carries requestId and userId), access log, rotating files, Google Cloud.
 *
 * @example
 * ```ts
 * configureLogging()
 * app.use(requestContext(), accessLog())
 * getLogger('orders').info('order placed', { orderId })
 * ```
 */
// Root logger and named child loggers (other modules log through these).
export { getLogger, getRootLogger } from './logger.js';
// Startup: settings from the environment, configuration, flush on shutdown.
export { loadLoggingSettings, LOG_FORMATS, DEFAULT_LOG_DIR, type LoggingSettings, type LogFormatName } from './settings.js';
export { configureLogging, shutdownLogging, getLoggingState, type ConfigureLoggingOptions, type LogTransport, type ShutdownLoggingOptions, type LoggingState } from './configure.js';
// Levels: DEBUG…CRITICAL mapped onto winston's level set.
export { LOG_LEVELS, LOG_LEVEL_NAMES, WINSTON_LEVEL_OF, type LogLevelName, type ReferenceLogLevel } from './levels.js';
// Formats and helpers for your own transports.
export { structuredFormat, simpleFormat, jsonFormat, logRecordFormat, belowLevel, removeColorCodes, type TextFormatOptions } from './formats.js';
export { jsonFileTransport } from './json-file.js';
export { RotatingFileTransport, type RotatingFileTransportOptions } from './rotating-file.js';
export { CloudTransport, type CloudLoggingOptions } from './cloud.js';
// Request context without Express (jobs, queues, WebSockets) and inside requests.
export { getLogContext, setLogContext, runWithLogContext, type LogContextFields, type LogContextStore } from './context.js';
// Express middlewares.
export { requestContext, REQUEST_ID_PATTERN, type RequestContextOptions } from './request-context.js';
export { accessLog, type AccessLogOptions } from './access-log.js';
// Redaction used everywhere the kit logs; reuse it for your own fields.
export { redactHeaders, redactUrl, isSensitiveHeader, isSensitiveParam, type RedactOptions } from './redact.js';
// Trace context: W3C traceparent/tracestate parsing, and the headers for outbound calls.
export { parseTraceHeaders, parseTraceparent, parseTracestate, requestTraceFrom, cloudTraceFields, type TraceContext, type TraceParent, type RequestTrace, type TraceHeaders } from './trace.js';
export { propagationHeaders, type PropagationHeaders } from './propagation.js';
