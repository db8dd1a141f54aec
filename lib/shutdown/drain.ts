/**
 * The HTTP part of a graceful shutdown: stop accepting, answer what was accepted, close idle
 * keep-alive sockets after a grace, cut what is left at the deadline.
 */
import type { Server } from 'node:http';
import { Server as NetServer } from 'node:net';

/** Resolves true when every connection closed before `timeoutMs`, false when some were cut. */
export function drain(server: Server, timeoutMs: number, idleGraceMs: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    let sweeper: NodeJS.Timeout | undefined;
    // Requests that still arrive on open connections are answered, but their connection is not
    // kept: the client reconnects to another instance.
    const noKeepAlive = (_req: unknown, res: { setHeader(name: string, value: string): unknown }) => {
      res.setHeader('Connection', 'close');
    };
    const finish = (drained: boolean) => {
      clearTimeout(deadline);
      clearTimeout(grace);
      clearInterval(sweeper);
      server.off('request', noKeepAlive);
      resolve(drained);
    };
    const deadline = setTimeout(() => {
      server.closeAllConnections();
      finish(false);
    }, timeoutMs);
    // After the grace, close idle keep-alive connections, then keep closing the ones that become
    // idle as their last response ends.
    const grace = setTimeout(() => {
      server.closeIdleConnections();
      sweeper = setInterval(() => server.closeIdleConnections(), 50);
      sweeper.unref();
    }, idleGraceMs);
    deadline.unref();
    grace.unref();
    server.on('request', noKeepAlive);
    // net.Server#close stops accepting without http.Server#close's immediate reset of
    // connections whose first request has not been parsed yet.
    NetServer.prototype.close.call(server, () => finish(true));
  });
}
