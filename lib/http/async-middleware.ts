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

/** What one call of a wrapped handler knows: whether control passed on, and what the chain after it threw. */
interface CallState {
  passed: boolean;
  /** Set when `next()` itself threw: that error belongs to the chain after us. */
  downstream?: { error: unknown };
}

/**
 * `next`, callable once. Returned directly (not bound to a name): a named per-request closure
 * costs a `defineProperty` per request under esbuild's keepNames (tsx, the tests and benches).
 */
function onceNext(next: NextFunction, state: CallState): NextFunction {
  return ((error?: unknown) => {
    if (state.passed) return;
    state.passed = true;
    try {
      next(error as Parameters<NextFunction>[0]);
    } catch (thrown) {
      // A throw from inside next() belongs to the chain after us: it goes back to whoever called
      // us (Express's layer catches it), never into our own next() a second time, never lost.
      state.downstream = { error: thrown };
      throw thrown;
    }
  }) as NextFunction;
}

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
    const state: CallState = { passed: false };
    const once = onceNext(next, state);
    let returned: void | Promise<void>;
    try {
      returned = body(req as Req, res, once);
    } catch (error) {
      if (state.downstream !== undefined && state.downstream.error === error) throw error;
      once(error);
      return;
    }
    if (returned !== undefined && typeof (returned as Promise<void>).then === 'function') {
      (returned as Promise<void>).then(undefined, (error: unknown) => {
        if (state.downstream === undefined || state.downstream.error !== error) once(error);
      });
    }
  };
  Object.defineProperty(handler, 'name', { value: name });
  return handler as RequestHandler;
}
