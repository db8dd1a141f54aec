/**
 * The kit's one check of Express's `trust proxy` setting, shared by every middleware that
 * reads `req.ip` (rate limiting, sessions). Two misconfigurations, each warned once per
 * process and consumer (express-rate-limit's ERR_ERL_UNEXPECTED_X_FORWARDED_FOR and
 * ERR_ERL_PERMISSIVE_TRUST_PROXY):
 * - `X-Forwarded-For` arrives while `trust proxy` is off: every client behind the proxy has the
 *   proxy's address.
 * - `trust proxy` is `true` (trust every hop): any client chooses its own `req.ip` by sending
 *   `X-Forwarded-For`.
 */
import type { Request } from 'express';
import { emitKitWarning } from '../config/warnings.js';

/**
 * Returns a per-request check for `consumer` (e.g. `'rate-limit'`) that costs one header read
 * until both warnings have fired, and nothing after.
 */
export function trustProxyCheck(consumer: string, consequence: string): (req: Request) => void {
  let warnedOff = false;
  let warnedPermissive = false;
  return function checkTrustProxy(req: Request): void {
    if (warnedOff && warnedPermissive) return;
    const trust: unknown = req.app?.get('trust proxy');
    if (!warnedPermissive && trust === true) {
      warnedPermissive = true;
      emitKitWarning('WARN_TRUST_PROXY_PERMISSIVE',
        `Express "trust proxy" is true (trust every hop): any client can choose its own req.ip by sending X-Forwarded-For, so ${consequence}. ` +
        'Set app.set("trust proxy", <number of proxy hops or their subnets>) instead.', consumer);
    }
    if (!warnedOff && req.headers['x-forwarded-for'] !== undefined && !trust) {
      warnedOff = true;
      emitKitWarning('WARN_TRUST_PROXY_OFF',
        `X-Forwarded-For arrived but Express "trust proxy" is off: req.ip is the proxy's address, so ${consequence}. ` +
        'Set app.set("trust proxy", <number of proxy hops or their subnets>) if the app runs behind a proxy.', consumer);
    }
  };
}

/** What {@link requestIp} reads of a request (Express's, or any with the same fields). */
export interface RequestIpSource {
  app?: { get(setting: string): unknown } | undefined;
  ip?: string | undefined;
  socket?: { remoteAddress?: string | undefined } | undefined;
}

/**
 * `req.ip`, read straight from the socket when Express's `trust proxy` is off (its default):
 * then the two are the same address, and Express's `X-Forwarded-For` parse (proxy-addr) is
 * skipped on every request. With `trust proxy` set, Express's `req.ip`.
 */
export function requestIp(req: RequestIpSource): string | undefined {
  const direct = req.app !== undefined && !req.app.get('trust proxy') ? req.socket?.remoteAddress : undefined;
  return direct ?? req.ip ?? req.socket?.remoteAddress;
}
