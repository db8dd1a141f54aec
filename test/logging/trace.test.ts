import assert from 'node:assert/strict';
import fc from 'fast-check';
import request from 'supertest';
import express from 'express';
import { accessLog, getLogContext, getLogger, parseTraceHeaders, parseTraceparent, parseTracestate, requestContext } from '../../lib/logging/index.js';
import { formatTraceparent, requestTraceFrom } from '../../lib/logging/trace.js';
import { captureLogs, type MemoryTransport } from './helpers.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
const VALID = `00-${TRACE_ID}-${PARENT_ID}-01`;
const HEX16 = /^[0-9a-f]{16}$/;
const HEX32 = /^[0-9a-f]{32}$/;

describe('traceparent (W3C Trace Context §3.2)', () => {
  const valid: [string, string, { version: string; flags: number }][] = [
    ['version 00, sampled', VALID, { version: '00', flags: 1 }],
    ['version 00, not sampled', `00-${TRACE_ID}-${PARENT_ID}-00`, { version: '00', flags: 0 }],
    ['version 00, other flag bits kept', `00-${TRACE_ID}-${PARENT_ID}-03`, { version: '00', flags: 3 }],
    ['a future version, four fields', `cc-${TRACE_ID}-${PARENT_ID}-01`, { version: 'cc', flags: 1 }],
    ['a future version with more fields after a dash', `cc-${TRACE_ID}-${PARENT_ID}-01-what-the-future-will-be-like`, { version: 'cc', flags: 1 }],
    ['a future version: only the sampled bit of its flags', `01-${TRACE_ID}-${PARENT_ID}-09`, { version: '01', flags: 1 }],
    ['a future version, unsampled', `fe-${TRACE_ID}-${PARENT_ID}-02`, { version: 'fe', flags: 0 }],
    ['optional whitespace around the value', ` \t${VALID} `, { version: '00', flags: 1 }],
  ];
  for (const [what, header, expected] of valid) {
    it(`accepts ${what}`, () => {
      assert.deepEqual(parseTraceparent(header), { version: expected.version, traceId: TRACE_ID, parentId: PARENT_ID, flags: expected.flags });
    });
  }

  const invalid: [string, unknown][] = [
    ['version ff', `ff-${TRACE_ID}-${PARENT_ID}-01`],
    ['version 00 with more fields', `00-${TRACE_ID}-${PARENT_ID}-01-extra`],
    ['a future version whose flags are not followed by a dash', `cc-${TRACE_ID}-${PARENT_ID}-01extra`],
    ['an upper-case version', `0A-${TRACE_ID}-${PARENT_ID}-01`],
    ['an upper-case trace-id', `00-${TRACE_ID.toUpperCase()}-${PARENT_ID}-01`],
    ['an upper-case parent-id', `00-${TRACE_ID}-00F067AA0BA902B7-01`],
    ['upper-case flags', `00-${TRACE_ID}-${PARENT_ID}-0A`],
    ['an all-zero trace-id', `00-${'0'.repeat(32)}-${PARENT_ID}-01`],
    ['an all-zero parent-id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`],
    ['a short trace-id', `00-${TRACE_ID.slice(1)}-${PARENT_ID}-01`],
    ['a long parent-id', `00-${TRACE_ID}-${PARENT_ID}0-01`],
    ['non-hex characters', `00-${TRACE_ID.slice(0, 31)}g-${PARENT_ID}-01`],
    ['a wrong separator', `00_${TRACE_ID}-${PARENT_ID}-01`],
    ['one flag digit', `00-${TRACE_ID}-${PARENT_ID}-1`],
    ['a future version shorter than 55 characters', `cc-${TRACE_ID}-${PARENT_ID}-1`],
    ['two headers joined', `${VALID}, ${VALID}`],
    ['garbage before', `x${VALID}`],
    ['the empty string', ''],
    ['not a string', ['00', TRACE_ID]],
    ['undefined', undefined],
  ];
  for (const [what, header] of invalid) {
    it(`rejects ${what}`, () => {
      assert.equal(parseTraceparent(header), undefined);
    });
  }

  it('property: never throws on any input; whatever it accepts has valid lower-case, non-zero ids', () => {
    const nearValid = fc
      .tuple(fc.nat({ max: 80 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }), fc.boolean())
      .map(([at, text, replace]) => VALID.slice(0, at) + text + VALID.slice(replace ? at + text.length : at));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 120 }), nearValid), (header) => {
        const parsed = parseTraceparent(header);
        if (parsed) {
          assert.match(parsed.traceId, HEX32);
          assert.match(parsed.parentId, HEX16);
          assert.notEqual(parsed.version, 'ff');
          assert.ok(!/^0+$/.test(parsed.traceId) && !/^0+$/.test(parsed.parentId));
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('property: an invalid traceparent starts a new trace (new ids, no parent, tracestate dropped)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 120 }), (header) => {
        fc.pre(parseTraceparent(header) === undefined);
        const trace = requestTraceFrom({ traceparent: header, tracestate: 'rojo=1' });
        assert.match(trace.traceId, HEX32);
        assert.match(trace.spanId, HEX16);
        assert.equal(trace.parentSpanId, undefined);
        assert.equal(trace.tracestate, undefined);
        assert.equal(trace.flags, 0);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: any valid version-00 header joins its trace with a new span id of its own', () => {
    const hex = (length: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length }).filter((text) => !/^0+$/.test(text));
    fc.assert(
      fc.property(hex(32), hex(16), fc.integer({ min: 0, max: 255 }), (traceId, parentId, flags) => {
        const header = `00-${traceId}-${parentId}-${flags.toString(16).padStart(2, '0')}`;
        const trace = requestTraceFrom({ traceparent: header });
        assert.equal(trace.traceId, traceId);
        assert.equal(trace.parentSpanId, parentId);
        assert.equal(trace.flags, flags);
        assert.match(trace.spanId, HEX16);
        assert.equal(formatTraceparent(trace), `00-${traceId}-${trace.spanId}-${header.slice(53)}`);
      }),
      { numRuns: 500 },
    );
  });

  it('every request gets its own span id', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => requestTraceFrom({ traceparent: VALID }).spanId));
    assert.equal(ids.size, 1000);
    assert.ok(!ids.has(PARENT_ID));
  });

  it('parseTraceHeaders: a valid traceparent wins, a future version too; the caller ids as they came', () => {
    assert.deepEqual(parseTraceHeaders(`cc-${TRACE_ID}-${PARENT_ID}-01-x`, `${'a'.repeat(32)}/1`), { traceId: TRACE_ID, spanId: PARENT_ID, sampled: true });
    assert.deepEqual(parseTraceHeaders(`00-${TRACE_ID.toUpperCase()}-${PARENT_ID}-01`, `${'a'.repeat(32)}/123;o=1`), { traceId: 'a'.repeat(32), spanId: '000000000000007b', sampled: true });
  });
});

describe('tracestate (W3C Trace Context §3.3)', () => {
  it('passes a valid list along, normalised (optional whitespace and empty members dropped)', () => {
    assert.equal(parseTracestate('rojo=00f067aa0ba902b7,congo=t61rcWkgMzE'), 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE');
    assert.equal(parseTracestate(' rojo=1 ,\t,congo=2 '), 'rojo=1,congo=2');
    assert.equal(parseTracestate(['rojo=1', 'congo=2']), 'rojo=1,congo=2', 'several header lines');
    assert.equal(parseTracestate('fw529a3039@dt=FW4;0;0,vendor/x_y*z-1=a b'), 'fw529a3039@dt=FW4;0;0,vendor/x_y*z-1=a b');
  });

  const invalid: [string, unknown][] = [
    ['an upper-case key', 'Rojo=1'],
    ['a key starting with a digit (no tenant)', '1rojo=1'],
    ['a member without =', 'rojo'],
    ['a value with =', 'rojo=a=b'],
    ['a key over 256 characters', `${'k'.repeat(257)}=1`],
    ['an empty value', 'rojo='],
    ['a duplicate key', 'rojo=1,rojo=2'],
    ['33 members', Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(',')],
    ['only empty members', ' , ,'],
    ['a control character', 'rojo=a\u0001b'],
  ];
  for (const [what, header] of invalid) {
    it(`drops a tracestate with ${what}`, () => {
      assert.equal(parseTracestate(header), undefined);
    });
  }
});

describe('requestContext() trace without an OpenTelemetry SDK', () => {
  let memory: MemoryTransport;
  beforeEach(() => {
    memory = captureLogs();
  });

  function app(options: Parameters<typeof requestContext>[0] = {}): express.Express {
    const application = express();
    application.use(requestContext(options), accessLog());
    application.get('/x', (_req, res) => {
      getLogger('handler').info('in handler');
      res.json(getLogContext());
    });
    return application;
  }
  const lines = (message: string) => memory.records.filter((record) => String(record.message).startsWith(message));

  it('joins the incoming trace with a new span id; the caller parent-id is parent_span_id, on every line', async () => {
    const response = await request(app()).get('/x').set('traceparent', VALID).set('tracestate', 'rojo=1');
    assert.equal(response.status, 200);
    const [handler] = lines('in handler');
    const [access] = lines('GET /x 200');
    assert.ok(handler && access);
    for (const record of [handler, access, response.body as Record<string, unknown>]) {
      assert.equal(record.trace_id, TRACE_ID);
      assert.match(String(record.span_id), HEX16);
      assert.notEqual(record.span_id, PARENT_ID);
      assert.equal(record.parent_span_id, PARENT_ID);
      assert.equal(record.trace_flags, '01');
    }
    assert.equal(access.span_id, handler.span_id, 'one span per request');
    assert.equal(handler['logging.googleapis.com/trace'], undefined, 'Cloud fields only with the cloud transport');
  });

  it('a future version is joined; an invalid header starts a new trace with no parent', async () => {
    await request(app()).get('/x').set('traceparent', `cc-${TRACE_ID}-${PARENT_ID}-01-more`);
    await request(app()).get('/x').set('traceparent', `ff-${TRACE_ID}-${PARENT_ID}-01`);
    await request(app()).get('/x');
    const [future, ff, none] = lines('in handler');
    assert.equal(future!.trace_id, TRACE_ID);
    assert.equal(future!.parent_span_id, PARENT_ID);
    for (const record of [ff!, none!]) {
      assert.match(String(record.trace_id), HEX32);
      assert.notEqual(record.trace_id, TRACE_ID);
      assert.match(String(record.span_id), HEX16);
      assert.equal(record.trace_flags, '00');
      assert.equal('parent_span_id' in record, false);
    }
    assert.notEqual(ff!.trace_id, none!.trace_id);
  });

  it('trace: false leaves the lines without trace fields', async () => {
    await request(app({ trace: false })).get('/x').set('traceparent', VALID);
    const [handler] = lines('in handler');
    assert.equal(handler!.requestId !== undefined, true);
    assert.equal('trace_id' in handler!, false);
    assert.equal('span_id' in handler!, false);
  });

  it('lines outside any request carry no trace', () => {
    getLogger('job').info('outside');
    const [line] = lines('outside');
    assert.equal('trace_id' in line!, false);
  });
});
