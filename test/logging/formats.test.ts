import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import winston from 'winston';
import {
  belowLevel,
  getLogger,
  jsonFileTransport,
  jsonFormat,
  LOG_LEVELS,
  logRecordFormat,
  removeColorCodes,
  RotatingFileTransport,
  simpleFormat,
  structuredFormat,
} from '../../lib/logging/index.js';
import { captureLogs, LEVEL, MESSAGE, MemoryTransport, type Record_ } from './helpers.js';

function loggerWith(...transports: winston.transport[]): winston.Logger {
  return winston.createLogger({ levels: { ...LOG_LEVELS }, level: 'silly', format: logRecordFormat(), transports });
}

function output(transport: MemoryTransport, index = 0): string {
  return String(transport.records[index]![MESSAGE]);
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('logging formats', () => {
  describe('removeColorCodes (the reference cases, plus every ANSI form)', () => {
    const cases: [string, string][] = [
      [
        "COMMAND = \x1b[36mbrowse_website\x1b[0m  ARGUMENTS = \x1b[36m{'url': 'https://www.google.com', 'question': 'What is the capital of France?'}\x1b[0m",
        "COMMAND = browse_website  ARGUMENTS = {'url': 'https://www.google.com', 'question': 'What is the capital of France?'}",
      ],
      [
        "{'Schaue dir meine Projekte auf github () an, als auch meine Webseiten': 'https://github.com/Significant-Gravitas/AutoGPT, https://discord.gg/autogpt und https://twitter.com/Auto_GPT'}",
        "{'Schaue dir meine Projekte auf github () an, als auch meine Webseiten': 'https://github.com/Significant-Gravitas/AutoGPT, https://discord.gg/autogpt und https://twitter.com/Auto_GPT'}",
      ],
      ['', ''],
      ['hello', 'hello'],
      ['hello\x1b[31m world', 'hello world'],
      ['\x1b[36mHello,\x1b[32m World!', 'Hello, World!'],
      ['\x1b[1m\x1b[31mError:\x1b[0m\x1b[31m file not found', 'Error: file not found'],
      // 256-color and truecolor SGR, cursor movement, erase line, OSC title and hyperlink, 8-bit CSI, ESC c reset
      ['\x1b[38;5;196mred\x1b[0m \x1b[48;2;0;0;255mblue\x1b[49m', 'red blue'],
      ['a\x1b[2Kb\x1b[1;1Hc\x1b[?25ld', 'abcd'],
      ['\x1b]0;title\x07text', 'text'],
      ['\x1b]8;;https://example.com\x1b\\link\x1b]8;;\x1b\\', 'link'],
      ['x\x9b31my', 'xy'],
      ['\x1bcclean', 'clean'],
    ];
    for (const [raw, clean] of cases) {
      it(`strips ${JSON.stringify(raw).slice(0, 50)}`, () => assert.equal(removeColorCodes(raw), clean));
    }
  });

  it('structured: ISO timestamp, padded level, [name], message, fields, stack on following lines', () => {
    const memory = new MemoryTransport({ format: structuredFormat({ colors: false }) });
    const logger = loggerWith(memory);
    const error = new Error('disk full');
    logger.child({ logger: 'store' }).error('save failed', { orderId: 7, error });
    const line = output(memory);
    const [first, ...rest] = line.split('\n');
    const match = /^(\S+) ERROR    \[store\] save failed orderId=7 error="Error: disk full"$/.exec(first!);
    assert.ok(match, first);
    assert.match(match[1]!, ISO);
    assert.match(rest[0]!, /^Error: disk full$/);
    assert.ok(!line.includes('\x1b'), 'no color codes when colors are off');
  });

  it('structured with colors colors the level, and strips colors injected in the message', () => {
    const memory = new MemoryTransport({ format: structuredFormat({ colors: true }) });
    loggerWith(memory).warning('\x1b[32mfake green\x1b[0m text');
    const line = output(memory);
    assert.ok(line.includes('\x1b[33mWARNING \x1b[0m'), JSON.stringify(line));
    assert.ok(!line.includes('\x1b[32m'), 'injected color removed');
    assert.ok(removeColorCodes(line).endsWith('WARNING  fake green text'));
  });

  for (const [name, make] of [['structured', () => structuredFormat({ colors: false })], ['simple', () => simpleFormat()]] as const) {
    it(`${name}: CR/LF and other control characters in user input cannot forge log lines (CWE-117)`, () => {
      const memory = new MemoryTransport({ format: make() });
      const forged = 'login failed\n2026-01-01T00:00:00.000Z CRITICAL [auth] admin logged in\r\u2028x\u0007';
      const logger = loggerWith(memory).child({ logger: 'auth\nfake' });
      logger.warning(forged, { user: 'bob\nfake=1', 'fi\neld': 'v' });
      logger.error(new Error('bad input\n2026-01-01T00:00:00.000Z CRITICAL forged'));
      const [warning, error] = memory.records.map((record) => String(record[MESSAGE]));
      assert.equal(warning!.split('\n').length, 1, JSON.stringify(warning));
      assert.ok(warning!.includes('login failed\\n2026-01-01T00:00:00.000Z CRITICAL [auth] admin logged in\\r\\u2028x\\u0007'), warning);
      assert.ok(warning!.includes('fi\\neld=v'), warning);
      const lines = error!.split('\n');
      assert.ok(lines.length > 2, 'the stack keeps its frames on their own lines');
      assert.match(lines[0]!, /ERROR +(\[auth\\nfake\] )?bad input\\n2026-01-01T00:00:00.000Z CRITICAL forged$/);
      assert.equal(lines[1], 'Error: bad input');
      for (const line of lines.slice(2)) assert.match(line, /^\s/, `continuation line starts with whitespace: ${JSON.stringify(line)}`);
      assert.ok(!lines.slice(1).some((line) => line.startsWith('2026-')), 'no line starts like a record');
    });
  }

  it('simple: timestamp, level, message', () => {
    const memory = new MemoryTransport({ format: simpleFormat() });
    loggerWith(memory).info('hello');
    assert.match(output(memory), /^\S+Z INFO hello$/);
  });

  it('json: timestamp, level, logger, message, context/extra fields and exception', () => {
    const memory = new MemoryTransport({ format: jsonFormat() });
    loggerWith(memory).child({ logger: 'jobs' }).log('critical', 'job crashed', { jobId: 'j1', attempt: 2, error: new TypeError('nope') });
    const record = JSON.parse(output(memory));
    assert.deepEqual(Object.keys(record).slice(0, 5), ['timestamp', 'level', 'severity', 'logger', 'message']);
    assert.match(record.timestamp, ISO);
    assert.equal(record.level, 'CRITICAL');
    assert.equal(record.severity, 'CRITICAL');
    assert.equal(record.logger, 'jobs');
    assert.equal(record.message, 'job crashed');
    assert.equal(record.jobId, 'j1');
    assert.equal(record.attempt, 2);
    assert.match(record.exception, /^TypeError: nope\n\s+at /);
    assert.equal(record.error.type, 'TypeError');
  });

  it('json maps warn/warning to WARNING and never throws on circular, BigInt, throwing getters or toJSON', () => {
    const memory = new MemoryTransport({ format: jsonFormat() });
    const logger = loggerWith(memory);
    const circular: Record<string, unknown> = { name: 'loop', size: 10n };
    circular.self = circular;
    const hostile = {
      get boom(): never {
        throw new Error('getter');
      },
      toJSON(): never {
        throw new Error('toJSON');
      },
    };
    logger.warn('a', { circular });
    logger.warning('b', { hostile, fn: () => 1, sym: Symbol('s'), nan: Number.NaN, when: new Date(0) });
    logger.info('c', { deep: { password: 'hunter2', list: [{ token: 't' }] }, authorization: 'Bearer x' });
    const [a, b, c] = memory.records.map((record) => JSON.parse(String(record[MESSAGE])));
    assert.equal(a.level, 'WARNING');
    assert.deepEqual(a.circular, { name: 'loop', size: '10', self: '[Circular]' });
    assert.equal(b.level, 'WARNING');
    assert.equal(b.hostile, '[Unserializable]');
    assert.equal(b.fn, '[Function fn]');
    assert.equal(b.nan, 'NaN');
    assert.equal(b.when, '1970-01-01T00:00:00.000Z');
    assert.deepEqual(c.deep, { password: '[REDACTED]', list: [{ token: '[REDACTED]' }] });
    assert.equal(c.authorization, '[REDACTED]');
    assert.ok(!output(memory, 2).includes('hunter2'));
  });

  it('formats never mutate the record another transport sees', () => {
    const raw = new MemoryTransport();
    const json = new MemoryTransport({ format: jsonFormat() });
    const colored = new MemoryTransport({ format: structuredFormat({ colors: true }) });
    const simple = new MemoryTransport({ format: simpleFormat() });
    const logger = loggerWith(json, colored, raw, simple);
    const meta = { orderId: 1, nested: { a: 1 } };
    logger.error('x', meta);
    const seen = raw.records[0]!;
    assert.equal(seen.level, 'error');
    assert.equal(seen.message, 'x');
    assert.equal(seen[MESSAGE], undefined, 'the raw transport got no formatted text');
    assert.deepEqual(meta, { orderId: 1, nested: { a: 1 } }, 'caller metadata untouched');
    assert.equal(JSON.parse(output(json)).level, 'ERROR');
    assert.ok(output(colored).includes('\x1b[31m'));
    assert.ok(!output(simple).includes('\x1b'));
    // Applied directly to one shared object, the formats still leave it alone.
    const shared: Record_ = { level: 'info', message: 'm', [LEVEL]: 'info', timestamp: '2020-01-01T00:00:00.000Z' };
    const before = { ...shared };
    structuredFormat({ colors: true }).transform(shared as never);
    jsonFormat().transform(shared as never);
    simpleFormat().transform(shared as never);
    assert.deepEqual(shared, before);
    assert.equal(shared[MESSAGE], undefined);
  });

  it('the root logger shares one record with the kit formats and copies it for any other format', () => {
    // a user format that changes its record: the transports after it must not see the change
    const mutating = winston.format((info) => {
      (info as Record_).addedByFormat = true;
      info.message = 'changed';
      return info;
    });
    const first = new MemoryTransport({ format: jsonFormat() });
    const changed = new MemoryTransport({ format: mutating() });
    const last = new MemoryTransport({ format: jsonFormat() });
    const text = new MemoryTransport({ format: structuredFormat() });
    const raw = captureLogs({ transports: [first, changed, last, text] });
    try {
      getLogger('formats').info('original', { orderId: 7 });
      for (const transport of [first, last]) {
        const line = JSON.parse(output(transport));
        assert.equal(line.message, 'original');
        assert.equal(line.orderId, 7);
        assert.equal(line.addedByFormat, undefined);
      }
      assert.equal(changed.records[0]!.message, 'changed');
      assert.ok(output(text).includes(' original orderId=7'));
      assert.equal(raw.records[0]!.message, 'original');
      assert.equal(raw.records[0]![MESSAGE], undefined, 'no rendered text leaks into the shared record');
    } finally {
      captureLogs();
    }
  });

  it('a kit file transport gets the rendered line; a subclass that overrides log() still gets the record', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'epk-lines-'));
    const seen: Record_[] = [];
    class Auditing extends RotatingFileTransport {
      override log(info: Record_, callback: () => void): void {
        seen.push(info);
        super.log(info, callback);
      }
    }
    const plain = new RotatingFileTransport({ filename: join(dir, 'plain.log'), format: jsonFormat() });
    const auditing = new Auditing({ filename: join(dir, 'audit.log'), format: jsonFormat() });
    captureLogs({ transports: [plain, auditing] });
    try {
      getLogger('lines').info('to both files', { orderId: 9 });
      plain.flushSync();
      auditing.flushSync();
      const lines = [readFileSync(join(dir, 'plain.log'), 'utf8'), readFileSync(join(dir, 'audit.log'), 'utf8')];
      assert.equal(lines[0], lines[1], 'the same line through appendLine() and through log()');
      assert.equal(JSON.parse(lines[0]!).orderId, 9);
      assert.equal(seen.length, 1);
      assert.equal(`${String(seen[0]![MESSAGE])}\n`, lines[1]);
    } finally {
      captureLogs();
    }
  });

  it('belowLevel keeps only less severe records', () => {
    const memory = new MemoryTransport({ format: belowLevel('warning') });
    const logger = loggerWith(memory);
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.warning('w2');
    logger.error('e');
    logger.log('critical', 'c');
    assert.deepEqual(memory.messages(), ['d', 'i']);
    assert.throws(() => belowLevel('loud'), /unknown level/);
  });

  it('jsonFileTransport keeps the latest record as pretty JSON', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'epk-json-')), 'sub', 'last.json');
    const logger = loggerWith(jsonFileTransport(path));
    logger.info('first', { n: 1 });
    logger.error('second', { n: 2 });
    const text = readFileSync(path, 'utf8');
    assert.match(text, /^\{\n {4}"timestamp"/);
    const record = JSON.parse(text);
    assert.equal(record.message, 'second');
    assert.equal(record.level, 'ERROR');
    assert.equal(record.n, 2);
  });

  it('child loggers created before configuration carry their name', () => {
    const early = getLogger('early-module');
    const memory = new MemoryTransport();
    const root = early as unknown as { write: (info: Record_) => void };
    assert.equal(typeof root.write, 'function');
    const logger = loggerWith(memory);
    logger.child({ logger: 'x' }).info('y');
    assert.equal(memory.records[0]!.logger, 'x');
  });
});
