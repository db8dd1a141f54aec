/**
 * A local Cloud Logging API: a gRPC server on 127.0.0.1 implementing
 * google.logging.v2.LoggingServiceV2/WriteLogEntries from the protos shipped with
 * @google-cloud/logging (its @google-cloud/logging-api dependency; the common protos come with
 * google-gax). Records every request it receives.
 */
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const require = createRequire(import.meta.url);

/** The package root of a resolved main file (`…/pkg/build/src/index.js` → `…/pkg`). */
function rootOf(main: string): string {
  const index = main.lastIndexOf(`${sep}build${sep}`);
  return index < 0 ? dirname(main) : main.slice(0, index);
}

function protoDirs(): { file: string; includeDirs: string[] } {
  const loggingMain = require.resolve('@google-cloud/logging');
  const loggingApiMain = createRequire(loggingMain).resolve('@google-cloud/logging-api');
  const loggingApiRoot = rootOf(loggingApiMain);
  const gaxRoot = rootOf(createRequire(loggingApiMain).resolve('google-gax'));
  return {
    file: 'google/logging/v2/logging.proto',
    includeDirs: [join(loggingApiRoot, 'build', 'protos'), join(gaxRoot, 'build', 'protos')],
  };
}

export interface WriteRequest {
  logName: string;
  resource?: { type: string; labels?: Record<string, string> };
  labels?: Record<string, string>;
  entries: Record<string, any>[];
}

export interface FakeLoggingServer {
  port: number;
  requests: WriteRequest[];
  /** Every entry received, in order. */
  entries(): Record<string, any>[];
  stop(): Promise<void>;
}

/** Starts the server on 127.0.0.1 (port 0 = a free port, or a given port to restart on). */
export async function startFakeLoggingServer(port = 0, options: { delayMs?: number } = {}): Promise<FakeLoggingServer> {
  const { file, includeDirs } = protoDirs();
  const definition = protoLoader.loadSync(file, { includeDirs, keepCase: false, longs: String, enums: String, defaults: false, oneofs: true });
  const proto = grpc.loadPackageDefinition(definition) as any;
  const service = proto.google.logging.v2.LoggingServiceV2.service as grpc.ServiceDefinition;
  const requests: WriteRequest[] = [];
  const server = new grpc.Server();
  const notImplemented = (_call: unknown, callback: grpc.sendUnaryData<unknown>) => callback({ code: grpc.status.UNIMPLEMENTED, details: 'not here' });
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const name of Object.keys(service)) handlers[name] = notImplemented as never;
  handlers.WriteLogEntries = ((call: grpc.ServerUnaryCall<WriteRequest, unknown>, callback: grpc.sendUnaryData<unknown>) => {
    const reply = () => {
      requests.push(call.request);
      callback(null, {});
    };
    if (options.delayMs) setTimeout(reply, options.delayMs);
    else reply();
  }) as never;
  server.addService(service, handlers);
  const boundPort = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return {
    port: boundPort,
    requests,
    entries: () => requests.flatMap((request) => request.entries.map((entry) => ({ ...entry, resource: entry.resource ?? request.resource, logName: entry.logName ?? request.logName }))),
    stop: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => server.forceShutdown(), 1000).unref();
      }),
  };
}
