/**
 * accessLog()'s direct line: with the kit's default pipeline (root logger, kit JSON files only)
 * the access line is rendered by accessLog() itself instead of going through the root format
 * and jsonFormat(). The proof is differential: for generated requests, contexts and settings,
 * the line written the direct way and the line written through the logger (forced by a second
 * transport the direct way does not serve) are the same text, key order included, once the
 * values that differ between two requests (timestamp, duration, span id) are set aside.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Express, NextFunction, Request, Response } from 'express';
import fc from 'fast-check';
import request from 'supertest';
import TransportStream from 'winston-transport';
import { accessLog, configureLogging, getRootLogger, jsonFormat, requestContext, RotatingFileTransport, setLogContext, type AccessLogOptions } from '../../lib/logging/index.js';
import { forEachExpress } from '../support/express.js';
import { MESSAGE } from './helpers.js';

/** A transport the direct line does not serve (not a kit file): its presence sends every record through the logger. */
class LineCapture extends TransportStream {
  readonly lines: string[] = [];
  override log(info: Record<string | symbol, unknown>, callback: () => void): void {
    this.lines.push(String(info[MESSAGE]));
    callback();
  }
}

interface Scenario {
  method: 'GET' | 'POST' | 'HEAD' | 'DELETE';
  status: 200 | 204 | 304 | 404 | 500;
  body: 'json' | 'text' | 'stream' | 'empty';
  userAgent: string | undefined;
  traceparent: boolean;
  trace: boolean;
  user: { id: unknown } | undefined;
  actAs: string | undefined;
  apiKey: { id: unknown } | undefined;
  fields: Record<string, unknown>;
  url: boolean;
  level: 'default' | 'warning' | 'by-status' | 'unknown';
  redact: string[];
  rootLevel: 'info' | 'error';
}

const FIELD_KEYS = ['graphExecId', 'path', 'status', 'userId', 'trace_id', 'ip', 'url', 'aborted', 'token', 'apiKey', 'password', '1', '42', 'exception', 'splat', 'a b', 'ÿ', 'nested'];
const fieldValue = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.record({ a: fc.string({ maxLength: 4 }), token: fc.string({ maxLength: 4 }) }),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.constant(new Error('in a field')),
  fc.bigInt(),
);
const headerText = fc.string({ unit: fc.constantFrom(...'ab Z/0.;(\t)é"\\'.split('')), maxLength: 20 });

const scenario: fc.Arbitrary<Scenario> = fc.record({
  method: fc.constantFrom('GET', 'POST', 'HEAD', 'DELETE'),
  status: fc.constantFrom(200, 204, 304, 404, 500),
  body: fc.constantFrom('json', 'text', 'stream', 'empty'),
  userAgent: fc.option(headerText, { nil: undefined }),
  traceparent: fc.boolean(),
  trace: fc.boolean(),
  user: fc.option(fc.record({ id: fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.constant({ nested: true })) }), { nil: undefined }),
  actAs: fc.option(fc.string({ minLength: 1, maxLength: 6 }), { nil: undefined }),
  apiKey: fc.option(fc.record({ id: fc.oneof(fc.string({ maxLength: 6 }), fc.integer()) }), { nil: undefined }),
  fields: fc.dictionary(fc.constantFrom(...FIELD_KEYS), fieldValue, { maxKeys: 5 }),
  url: fc.boolean(),
  level: fc.constantFrom('default', 'warning', 'by-status', 'unknown'),
  redact: fc.constantFrom([], [], [], ['graphExecId', 'token'], ['ip', 'userAgent'], ['requestId', 'method']),
  rootLevel: fc.constantFrom('info', 'info', 'info', 'error'),
});

function levelOption(level: Scenario['level']): AccessLogOptions['level'] {
  if (level === 'warning') return 'warning';
  if (level === 'by-status') return (status: number) => (status >= 500 ? 'error' : status >= 400 ? 'warning' : 'debug');
  if (level === 'unknown') return () => 'not-a-level';
  return undefined;
}

/** What differs between two requests of one scenario: the clock, the duration, a new span id (and trace id without traceparent). */
function comparable(line: string): string {
  const record = JSON.parse(line) as Record<string, unknown>;
  for (const key of ['timestamp', 'durationMs', 'span_id', 'trace_id']) if (key in record) record[key] = `<${key}>`;
  if (typeof record.message === 'string') record.message = record.message.replace(/ [\d.]+ms( \(aborted\))?$/, ' <d>ms$1');
  return JSON.stringify(record);
}

forEachExpress('accessLog() direct line', ({ create }) => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'epk-access-line-'));
  });
  afterEach(() => {
    configureLogging({ env: {}, console: false, file: false });
    rmSync(dir, { recursive: true, force: true });
  });

  function fileTransports(): RotatingFileTransport[] {
    return getRootLogger().transports.filter((transport): transport is RotatingFileTransport => transport instanceof RotatingFileTransport);
  }

  function activityLines(): string[] {
    for (const transport of fileTransports()) transport.flushSync();
    return readFileSync(join(dir, 'activity.log'), 'utf8').split('\n').filter(Boolean);
  }

  function appFor(s: Scenario, closed: (res: Response) => void): Express {
    const app = create();
    app.use(requestContext({ trace: s.trace }), accessLog({ url: s.url, level: levelOption(s.level) }));
    app.use((req: Request, res: Response, next: NextFunction) => {
      const holder = req as unknown as Record<string, unknown>;
      if (s.user) holder.user = s.user;
      if (s.actAs !== undefined) holder.userId = s.actAs;
      if (s.apiKey) holder.apiKey = s.apiKey;
      setLogContext(s.fields);
      // Registered after accessLog()'s own 'close' listener: its line is queued when this runs.
      res.on('close', () => closed(res));
      next();
    });
    app.all('/items/:id', (_req, res) => {
      res.status(s.status);
      if (s.body === 'json') res.json({ ok: true, text: 'é' });
      else if (s.body === 'text') res.send('plain text');
      else if (s.body === 'stream') Readable.from(['ab', 'cde']).pipe(res);
      else res.end();
    });
    return app;
  }

  /** One request of the scenario; resolves when the server closed the response (its line is queued). */
  async function send(app: Express, s: Scenario, closed: Promise<void>): Promise<void> {
    const path = `/items/7?q=1&access_token=secret`;
    let call = request(app)[s.method.toLowerCase() as 'get'](path).set('X-Request-Id', 'rid-direct');
    if (s.userAgent !== undefined) call = call.set('User-Agent', s.userAgent);
    if (s.traceparent) call = call.set('traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    await call;
    await closed;
  }

  /** The line of one request, the direct way (`via: 'direct'`) or through the logger. */
  async function lineOf(s: Scenario, via: 'direct' | 'logger'): Promise<{ line: string | undefined; formatCalls: number; captured: string[] }> {
    const capture = new LineCapture({ format: jsonFormat() });
    configureLogging({ env: {}, console: false, file: true, logDir: dir, format: 'json', level: s.rootLevel, redact: { names: s.redact }, transports: via === 'logger' ? [capture] : [] });
    const before = activityLines().length;
    const format = getRootLogger().format as { transform: (...args: unknown[]) => unknown };
    const transform = format.transform;
    let formatCalls = 0;
    format.transform = (...args: unknown[]) => {
      formatCalls += 1;
      return transform.apply(format, args);
    };
    try {
      let resolveClosed!: () => void;
      const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
      await send(appFor(s, () => resolveClosed()), s, closed);
    } finally {
      format.transform = transform;
    }
    const lines = activityLines().slice(before);
    assert.ok(lines.length <= 1, 'at most one line per request');
    return { line: lines[0], formatCalls, captured: capture.lines };
  }

  it('property: the direct line and the line through the logger are the same text, key order included (fast-check)', async function () {
    this.timeout(60_000);
    let direct = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const viaLogger = await lineOf(s, 'logger');
        const viaDirect = await lineOf(s, 'direct');
        assert.equal(viaDirect.line === undefined, viaLogger.line === undefined, 'both ways write a line, or neither does');
        if (viaLogger.line === undefined || viaDirect.line === undefined) return;
        assert.deepEqual(viaLogger.captured, [viaLogger.line], 'the logger gave the capture transport the line it wrote to the file');
        assert.equal(comparable(viaDirect.line), comparable(viaLogger.line));
        if (viaDirect.formatCalls === 0) direct += 1;
      }),
      { numRuns: 120 },
    );
    // Most generated scenarios are plain (no Error field, no redacted fixed key, no format-owned field).
    assert.ok(direct >= 15, `the direct way was taken in ${direct} of 120 runs (about 36 expected)`);
  });

  it('the default pipeline writes the access line without running the root format; anything else keeps the logger path', async () => {
    const plain: Scenario = { method: 'GET', status: 200, body: 'json', userAgent: 'ua', traceparent: true, trace: true, user: { id: 'u1' }, actAs: undefined, apiKey: undefined, fields: { graphExecId: 'g1' }, url: false, level: 'default', redact: [], rootLevel: 'info' };
    const direct = await lineOf(plain, 'direct');
    assert.equal(direct.formatCalls, 0, 'no root format run: the line was rendered by accessLog()');
    assert.deepEqual(Object.keys(JSON.parse(direct.line!)), ['timestamp', 'level', 'severity', 'logger', 'message', 'requestId', 'userId', 'graphExecId', 'trace_id', 'span_id', 'trace_flags', 'parent_span_id', 'method', 'path', 'status', 'durationMs', 'bytes', 'ip', 'userAgent']);
    for (const other of [
      { ...plain, fields: { graphExecId: new Error('x') } },
      { ...plain, fields: { exception: true } },
      { ...plain, redact: ['ip'] },
    ]) {
      assert.equal((await lineOf(other, 'direct')).formatCalls, 1, `through the logger: ${JSON.stringify(other.fields)} ${other.redact}`);
    }
    assert.equal((await lineOf(plain, 'logger')).formatCalls, 1, 'a transport other than a kit file: through the logger');
  });
});
