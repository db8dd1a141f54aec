/**
 * The one control-flow shape of the kit's middlewares (express-rate-limit's
 * `handleAsyncErrors`): a handler may answer synchronously or return a promise; a synchronous
 * throw or a rejection goes to `next(err)` exactly once, and never after the handler has
 * already passed control on (an error thrown further down the chain is not ours to report: a
 * synchronous one goes back to our caller, as if we were not there).
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** A middleware body that may be synchronous or async. */
export type MiddlewareBody<Req extends Request = Request> = (req: Req, res: Response, next: NextFunction) => void | Promise<void>;

/**
 * Wraps `body` into an Express `RequestHandler` named `name` (stack traces read well). The
 * synchronous path costs no promise: only a returned thenable gets a rejection handler.
 *
 * @example
 * ```ts
 * export const requireThing = () => asyncMiddleware('requireThing', async (req, res, next) => {
 *   req.thing = await loadThing(req);
 *   next();
 * });
 * ```
 */
export function asyncMiddleware<Req extends Request = Request>(name: string, body: MiddlewareBody<Req>): RequestHandler {
  const handler = (req: Request, res: Response, next: NextFunction): void => {
    let passed = false;
    // A throw from inside next() belongs to the chain after us: it goes back to whoever called
    // us (Express's layer catches it), never into our own next() a second time, never lost.
    let downstream: { error: unknown } | undefined;
    const onceNext: NextFunction = ((error?: unknown) => {
      if (passed) return;
      passed = true;
      try {
        next(error as Parameters<NextFunction>[0]);
      } catch (thrown) {
        downstream = { error: thrown };
        throw thrown;
      }
    }) as NextFunction;
    let returned: void | Promise<void>;
    try {
      returned = body(req as Req, res, onceNext);
    } catch (error) {
      if (downstream !== undefined && downstream.error === error) throw error;
      onceNext(error);
      return;
    }
    if (returned !== undefined && typeof (returned as Promise<void>).then === 'function') {
      (returned as Promise<void>).then(undefined, (error: unknown) => {
        if (downstream === undefined || downstream.error !== error) onceNext(error);
      });
    }
  };
  Object.defineProperty(handler, 'name', { value: name });
  return handler as RequestHandler;
}
