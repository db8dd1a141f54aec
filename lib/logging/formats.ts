/**
 * Winston formats of the kit. Every format builds a new record or only sets `[MESSAGE]` on
 * the copy winston-transport hands it: a record is never mutated in a way another transport
 * would see. None of them throws (a throwing format would break winston's stream).
 */
import winston from 'winston';
import type { Logform } from 'winston';
import { contextFieldsOf, currentTrace, getLogContextStore, withTraceFields } from './context.js';
import { levelPriority, severityOf } from './levels.js';
import { safeJsonStringify, toSafeValue } from './safe-json.js';
import { isSensitiveKey, redactionCensor, redactPaths } from './redact.js';

const MESSAGE = Symbol.for('message');
const LEVEL = Symbol.for('level');

type Info = Logform.TransformableInfo & Record<string | symbol, unknown>;

// ANSI escape sequences: CSI (ESC [ … final byte, and the 8-bit CSI 0x9B), OSC (ESC ] … BEL or
// ESC \), and the other ESC sequences (optional intermediates 0x20–0x2F, then a final byte
// 0x30–0x7E: ESC 7, ESC c, ESC ( B …).
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences are what this strips
const ANSI_PATTERN = /\x1B\][^\x07\x1B]*(?:\x07|\x1B\\)?|(?:\x1B\[|\x9B)[0-?]*[ -/]*[@-~]|\x1B[ -/]*[0-~]/g;

/**
 * `text` without any ANSI escape sequence (colors, cursor moves, OSC titles/links): CSI, OSC and
 * the other ESC sequences, 7- and 8-bit forms.
 *
 * @example
 * ```ts
 * removeColorCodes('\x1b[1m\x1b[31mError:\x1b[0m file not found') // 'Error: file not found'
 * ```
 */
export function removeColorCodes(text: string): string {
  if (typeof text !== 'string') return String(text);
  return text.indexOf('\x1B') < 0 && text.indexOf('\x9B') < 0 ? text : text.replace(ANSI_PATTERN, '');
}

// Line breaks and the other control characters a text line must not carry (tab is kept):
// CR/LF, NEL, the Unicode line/paragraph separators, and C0/DEL left over after the ANSI strip.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this pattern finds
const LINE_BREAKING = /[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]/g;
const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r' };

function escapeControl(char: string): string {
  return ESCAPES[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * `text` fit for one line of a text log: ANSI escapes removed, CR, LF and other control
 * characters written as `\n`, `\r`, `\u0000` (CWE-117: user input inside a message must not
 * start a forged log line).
 */
export function toLogLine(text: string): string {
  const plain = removeColorCodes(text);
  LINE_BREAKING.lastIndex = 0;
  return LINE_BREAKING.test(plain) ? plain.replace(LINE_BREAKING, escapeControl) : plain;
}

/**
 * A stack for the lines after a text record: frames keep their own lines, but every line that
 * does not start with whitespace (only the error's message can produce one) is indented, so a
 * message with a line break can never begin a line that looks like a new record.
 */
function stackLines(stack: string): string {
  const lines = removeColorCodes(stack).split(/\r\n|\r|\n|\u2028|\u2029|\x85/);
  let out = toLogLine(lines[0] ?? '');
  for (let index = 1; index < lines.length; index += 1) {
    const line = toLogLine(lines[index]!);
    out += /^\s/.test(line) ? `\n${line}` : `\n    ${line}`;
  }
  return out;
}

const RESET = '\x1b[0m';
const LEVEL_COLORS: Record<string, string> = {
  critical: '\x1b[1;31m',
  error: '\x1b[31m',
  warning: '\x1b[33m',
  warn: '\x1b[33m',
  info: '\x1b[34m',
  http: '\x1b[36m',
  verbose: '\x1b[36m',
  debug: '\x1b[90m',
  silly: '\x1b[90m',
};

let isoMs = Number.NaN;
let isoText = '';

/**
 * `new Date().toISOString()`, formatted once per millisecond: every line written in the same
 * millisecond gets the same text (the ISO form has millisecond precision), for a `Date.now()`.
 */
export function isoTimestamp(): string {
  const now = Date.now();
  if (now !== isoMs) {
    isoText = new Date(now).toISOString();
    isoMs = now;
  }
  return isoText;
}

/** Keys written by the formats themselves, never repeated as extra fields. */
const OWN_KEYS = new Set(['level', 'message', 'timestamp', 'logger', 'stack', 'exception', 'splat']);

/** A key the formats write themselves (or drop): never copied as an extra field. */
export function isRecordOwnKey(key: string): boolean {
  return OWN_KEYS.has(key);
}

function messageText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return safeJsonStringify({ value }).slice(9, -1);
  return String(value);
}

/**
 * The root logger's format: turns logged Errors into message + stack, applies `%s` splat,
 * adds an ISO timestamp, the current request's log context (requestId, userId, fields) and
 * the trace (`trace_id`, `span_id`, `trace_flags` of the active OpenTelemetry span, else of the
 * request; Cloud Logging's trace fields when the cloud transport is on).
 * Fields given with the record win over context fields; the configured redaction paths are
 * applied here, once, for every transport. Installed by `configureLogging()`;
 * add it to your own winston loggers to get the same context.
 *
 * @example
 * ```ts
 * const audit = winston.createLogger({ format: logRecordFormat(), transports: [...] })
 * ```
 */
export const logRecordFormat = winston.format((info: Info) => {
  let record: Info = info;
  try {
    const message = record.message as unknown;
    if (record instanceof Error) {
      record = Object.assign({}, record, { message: record.message, stack: record.stack }) as Info;
    } else if (message instanceof Error) {
      record = Object.assign({}, record, { message: message.message, stack: record.stack ?? message.stack }) as Info;
    }
    const store = getLogContextStore();
    const trace = currentTrace(store);
    if (store || trace) record = Object.assign(withTraceFields(store, store ? contextFieldsOf(store) : {}, trace), record) as Info;
    if (record.timestamp === undefined) {
      if (record === info) record = Object.assign({}, info);
      record.timestamp = isoTimestamp();
    }
    record = redactPaths(record);
  } catch {
    // never break logging
  }
  return record;
});

function extraFields(info: Info): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const key of Object.keys(info)) {
    if (OWN_KEYS.has(key)) continue;
    const value = info[key];
    if (value !== undefined) out.push([key, isSensitiveKey(key) ? redactionCensor() : value]);
  }
  return out;
}

function renderValue(value: unknown): string {
  if (value instanceof Error) return renderValue(`${value.name}: ${value.message}`);
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const json = JSON.stringify(toSafeValue(value));
  return json === undefined ? String(value) : json;
}

export interface TextFormatOptions {
  /** ANSI colors on the level (and on non-INFO messages). Default false. */
  colors?: boolean;
  /** Append context and extra fields as `key=value`. Default true. */
  fields?: boolean;
}

function textLine(info: Info, structured: boolean, options: TextFormatOptions): string {
  const level = String(info[LEVEL] ?? info.level);
  const severity = severityOf(level);
  const colors = options.colors === true;
  const color = colors ? LEVEL_COLORS[level] : undefined;
  const levelText = structured ? severity.padEnd(8) : severity;
  let line = `${String(info.timestamp ?? isoTimestamp())} ${color ? color + levelText + RESET : levelText} `;
  if (structured && typeof info.logger === 'string' && info.logger) line += `[${toLogLine(info.logger)}] `;
  // A user-controlled message must neither spoof colors nor break the line (forged records).
  let message = toLogLine(messageText(info.message));
  if (color && level !== 'info' && level !== 'http') message = color + message + RESET;
  line += message;
  if (options.fields !== false) {
    for (const [key, value] of extraFields(info)) line += ` ${toLogLine(key)}=${toLogLine(renderValue(value))}`;
  }
  const stack = typeof info.stack === 'string' ? info.stack : Object.values(info).find((value): value is Error => value instanceof Error)?.stack;
  if (stack) line += `\n${stackLines(stack)}`;
  return line;
}

/** How one of the kit's formats turns a record into its line; it never changes the record. */
export type LineRenderer = (info: Info, options: unknown) => string;

/**
 * The line renderer behind each of the kit's rendering formats' transforms. The root logger
 * (logger.ts) uses it to hand such a format the record it shares between transports without a
 * copy per transport, and to give a kit file transport the line itself (no record copy at all).
 */
export const lineRenderers = new WeakMap<object, LineRenderer>();

/** `render(info, options)`, or a placeholder line if it throws: logging never breaks. */
export function renderLine(render: LineRenderer, info: Info, options: unknown): string {
  try {
    return render(info, options);
  } catch {
    return `${String(info.level)} [unformattable log record]`;
  }
}

/**
 * A winston format from a line renderer: the record comes back as a copy with the line under
 * `Symbol.for('message')` (winston-transport hands each transport its own copy already; the
 * copy keeps the format safe on a record shared with anything else).
 */
function rendering(render: LineRenderer): Logform.FormatWrap {
  const transform = (info: Info, options?: unknown): Info => {
    const copy = Object.assign({}, info) as Info;
    copy[MESSAGE] = renderLine(render, info, options);
    return copy;
  };
  lineRenderers.set(transform, render);
  return winston.format(transform as Logform.TransformFunction);
}

/**
 * `2026-01-01T12:00:00.000Z INFO     [name] message requestId=… userId=…` and the stack on the
 * following lines. Colors only when asked.
 *
 * @example
 * ```ts
 * new winston.transports.Console({ format: structuredFormat({ colors: true }) })
 * ```
 */
export const structuredFormat = rendering((info, options) => textLine(info, true, (options ?? {}) as TextFormatOptions));

/**
 * `2026-01-01T12:00:00.000Z INFO message` (no padding, no logger name), fields and stack
 * appended like {@link structuredFormat}.
 *
 * @example
 * ```ts
 * new winston.transports.Console({ format: simpleFormat() })
 * ```
 */
export const simpleFormat = rendering((info, options) => textLine(info, false, (options ?? {}) as TextFormatOptions));

/** The JSON object {@link jsonFormat} writes for a record. */
export function jsonRecordOf(info: Info): Record<string, unknown> {
  const level = String(info[LEVEL] ?? info.level);
  const severity = severityOf(level);
  const out: Record<string, unknown> = {
    timestamp: info.timestamp ?? isoTimestamp(),
    level: severity,
    severity,
  };
  if (info.logger !== undefined) out.logger = info.logger;
  out.message = typeof info.message === 'string' ? info.message : toSafeValue(info.message);
  let error: Error | undefined; // the first Error among the values: its stack is the exception
  for (const key of Object.keys(info)) {
    const value = info[key];
    if (error === undefined && value instanceof Error) error = value;
    if (OWN_KEYS.has(key)) continue;
    if (value !== undefined) out[key] = isSensitiveKey(key) ? redactionCensor() : value;
  }
  if (info.stack !== undefined) {
    out.exception = typeof info.stack === 'string' ? info.stack : toSafeValue(info.stack);
  } else if (error?.stack) {
    out.exception = error.stack;
  }
  return out;
}

/**
 * One JSON object per line: `timestamp`, `level` (and `severity`, what Cloud Run and GKE read
 * from stdout), `logger`, `message`, context fields, extra metadata, `exception` (the stack).
 * Circular values, BigInt and Errors are serialized safely; sensitive keys are redacted.
 *
 * @example
 * ```ts
 * new winston.transports.Console({ format: jsonFormat() })
 * ```
 */
export const jsonFormat = rendering(renderJsonLine);

/** The line {@link jsonFormat} renders for a record (its renderer, as `lineRenderers` maps it). */
export function renderJsonLine(info: Info): string {
  return safeJsonStringify(jsonRecordOf(info), undefined, true);
}

/**
 * Keeps only records strictly less severe than `level` (to split one stream by severity):
 * `belowLevel('warning')` passes info and debug, drops warning, error and critical.
 *
 * @example
 * ```ts
 * new winston.transports.Console({ format: winston.format.combine(belowLevel('warning'), structuredFormat()) })
 * ```
 */
export function belowLevel(level: string): Logform.Format {
  const limit = levelPriority(level);
  if (limit === undefined) throw new TypeError(`belowLevel: unknown level "${level}"`);
  return winston.format((info: Info) => {
    const priority = levelPriority(String(info[LEVEL] ?? info.level));
    return priority === undefined || priority > limit ? info : false;
  })();
}
