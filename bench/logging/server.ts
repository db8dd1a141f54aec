/**
 * One hello-world Express app per process, logging one JSON line per request to a file with
 * the candidate named on the command line:
 *   kit             requestContext() + accessLog(), configureLogging({ format: 'json', file: true }),
 *                   from the bundled JS in EPK_KIT_MODULE when set (peers run as shipped JS too)
 *   kit-before      the same with the bundle of an earlier commit (EPK_KIT_BEFORE_MODULE, run.ts --before)
 *   express-winston expressWinston.logger() on a winston File transport with the json format
 *   pino-http       pinoHttp() on pino.destination(file)
 *   none            no logging (the ceiling)
 * Reports its port over IPC and answers 'stats' with its CPU time and request count.
 */
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import type { RequestHandler } from 'express';

const [variant = 'none', dir = '/tmp/epk-bench-logging'] = process.argv.slice(2);
mkdirSync(dir, { recursive: true });
const app = express();
app.disable('x-powered-by');
let requests = 0;
app.use((_req, _res, next) => {
  requests += 1;
  next();
});

async function middlewares(): Promise<RequestHandler[]> {
  if (variant.startsWith('kit')) {
    // The kit as users run it: the JS bundle run.ts builds (EPK_KIT_MODULE), else the TS sources.
    const kitModule = variant.startsWith('kit-before') ? process.env.EPK_KIT_BEFORE_MODULE : process.env.EPK_KIT_MODULE;
    const { accessLog, configureLogging, requestContext } = (kitModule ? await import(kitModule) : await import('../../lib/logging/index.js')) as typeof import('../../lib/logging/index.js');
    configureLogging({ env: {}, console: false, file: true, logDir: join(dir, variant), format: 'json', fileMaxBytes: 1024 ** 3 });
    // Diagnostic variants: kit-context (requestContext only), kit-access (accessLog only), and
    // kit-before-context / kit-before-access for the --before build.
    if (variant.endsWith('-context')) return [requestContext()];
    if (variant.endsWith('-access')) return [accessLog()];
    return [requestContext(), accessLog()];
  }
  if (variant === 'express-winston') {
    const winston = (await import('winston')).default;
    const expressWinston = (await import('express-winston')).default;
    const logger = winston.createLogger({
      format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
      transports: [new winston.transports.File({ filename: join(dir, 'express-winston.log') })],
    });
    // The README setup, with headers kept out of the line (they would carry credentials).
    return [
      expressWinston.logger({
        winstonInstance: logger,
        meta: true,
        msg: 'HTTP {{req.method}} {{req.url}} {{res.statusCode}} {{res.responseTime}}ms',
        requestWhitelist: ['url', 'method', 'httpVersion', 'originalUrl', 'query'],
        dynamicMeta: (req) => ({ ip: req.ip, userAgent: req.headers['user-agent'] }),
      }) as unknown as RequestHandler,
    ];
  }
  if (variant === 'pino-http') {
    const pino = (await import('pino')).default;
    const { pinoHttp } = await import('pino-http');
    return [pinoHttp({ logger: pino(pino.destination(join(dir, 'pino-http.log'))) }) as unknown as RequestHandler];
  }
  return [];
}

const logging = await middlewares();
if (logging.length > 0) app.use(...logging);
app.get('/', (_req, res) => {
  res.send('Hello World!');
});

const server = app.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('message', (message) => {
  if (message === 'stats') {
    const cpu = process.cpuUsage();
    process.send?.({ cpuMicros: cpu.user + cpu.system, requests });
  }
});
process.on('disconnect', () => process.exit(0));
