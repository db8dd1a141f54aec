/**
 * The full route pattern of a request (`/users/:userId/orders/:id`), mount patterns included:
 * the label of the access log and of the request metrics.
 *
 * Why not `req.baseUrl + req.route.path`: `baseUrl` is the concrete matched path (a router
 * mounted at `/users/:userId` gives one label per user id), and Express resets it when an error
 * leaves the router through `next(err)` (a 401 on `/api/items/:id` became `/items/:id`).
 * `req.route` survives both, so the pattern is rebuilt from it: the chain of router layers that
 * leads to that route object is found once per route (and cached), then each mount layer of the
 * chain is matched against the request path to take its pattern (`/users/:userId`) instead of
 * the concrete prefix. Express 5 (router 2) layers keep their pattern (`rawPath`); Express 4
 * layers only keep a regexp and key names, so the pattern is the matched prefix with each
 * parameter's value replaced by `:name`. Nothing of Express is patched.
 */
import type { Request } from 'express';

interface RouteLike {
  path?: unknown;
}

interface LayerLike {
  route?: RouteLike;
  handle?: { stack?: unknown };
  /** Express 5 / router 2: `{ path, pattern }` or false. */
  match?: (path: string) => { path: string; pattern?: unknown } | false;
  /** Express 4. */
  regexp?: RegExp;
  keys?: { name: string | number }[];
  /** Express 5 / router 2: the pattern given to `use()` / `route()`. */
  rawPath?: unknown;
}

interface RouterLike {
  stack?: LayerLike[];
}

interface AppLike {
  _router?: RouterLike;
  router?: RouterLike;
  parent?: AppLike;
  mountpath?: unknown;
}

/** The layers from the app's router down to the layer holding a route (mount layers, then the route's layer). */
type Chain = LayerLike[];

const chainsOf = new WeakMap<object, Chain[]>();
/** Routes whose chains were searched again once (a router mounted after the first search). */
const searchedAgain = new WeakSet<object>();
const indexedRegexps = new WeakMap<RegExp, RegExp>();
const MAX_DEPTH = 16;

function rootRouterOf(app: AppLike | undefined): RouterLike | undefined {
  if (!app) return undefined;
  // Express 4 keeps the router in `_router`; Express 5 exposes it as `router`.
  return app._router ?? (Object.prototype.hasOwnProperty.call(app, '_router') ? undefined : app.router);
}

/** Every chain of layers under `router` that ends at the layer holding `route`. */
function findChains(router: RouterLike, route: RouteLike, prefix: Chain, out: Chain[], depth: number): void {
  if (depth > MAX_DEPTH || !Array.isArray(router.stack)) return;
  for (const layer of router.stack) {
    if (layer.route === route) out.push([...prefix, layer]);
    else if (!layer.route && layer.handle && Array.isArray(layer.handle.stack)) findChains(layer.handle as RouterLike, route, [...prefix, layer], out, depth + 1);
  }
}

function withIndices(regexp: RegExp): RegExp {
  let indexed = indexedRegexps.get(regexp);
  if (!indexed) {
    indexed = new RegExp(regexp.source, `${regexp.flags.replace('g', '')}d`);
    indexedRegexps.set(regexp, indexed);
  }
  return indexed;
}

interface LayerMatch {
  /** The concrete part of the path this layer matched. */
  matched: string;
  /** Its pattern. */
  pattern: string;
}

function matchLayer(layer: LayerLike, path: string): LayerMatch | undefined {
  if (typeof layer.match === 'function' && layer.regexp === undefined) {
    const match = layer.match(path);
    if (!match) return undefined;
    const pattern = match.pattern ?? layer.rawPath;
    return { matched: match.path, pattern: typeof pattern === 'string' ? pattern : String(pattern) };
  }
  if (!layer.regexp) return undefined;
  const match = withIndices(layer.regexp).exec(path) as (RegExpExecArray & { indices?: [number, number][] }) | null;
  if (!match) return undefined;
  let pattern = match[0];
  const keys = layer.keys ?? [];
  // Replace parameter values from the right, so earlier offsets stay valid.
  for (let group = match.length - 1; group >= 1; group -= 1) {
    const span = match.indices?.[group];
    if (!span || match[group] === undefined) continue;
    const name = keys[group - 1]?.name;
    pattern = `${pattern.slice(0, span[0])}${typeof name === 'string' ? `:${name}` : '*'}${pattern.slice(span[1])}`;
  }
  return { matched: match[0], pattern };
}

function joinPattern(prefix: string, pattern: string): string {
  const head = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  return pattern === '' ? head : `${head}${pattern.startsWith('/') ? '' : '/'}${pattern}`;
}

/** The pattern along one chain, or undefined when the path does not run through it. */
function patternAlong(chain: Chain, path: string): string | undefined {
  let rest = path;
  let pattern = '';
  for (let index = 0; index < chain.length - 1; index += 1) {
    const match = matchLayer(chain[index]!, rest);
    if (!match) return undefined;
    pattern = joinPattern(pattern, match.pattern === '/' ? '' : match.pattern);
    rest = rest.slice(match.matched.length);
    if (!rest.startsWith('/')) rest = `/${rest}`;
  }
  const routeLayer = chain[chain.length - 1]!;
  const routePath = routeLayer.route?.path;
  let routePattern: string;
  if (typeof routePath === 'string') routePattern = routePath;
  else routePattern = matchLayer(routeLayer, rest)?.pattern ?? String(routePath);
  return joinPattern(pattern, routePattern) || '/';
}

/** The mount patterns of sub-apps (`app.use('/admin', adminApp)`), outermost first; undefined when one is not a string. */
function appMountPrefix(app: AppLike): string | undefined {
  let prefix = '';
  for (let current: AppLike | undefined = app; current?.parent; current = current.parent) {
    if (typeof current.mountpath !== 'string') return undefined;
    prefix = joinPattern(current.mountpath === '/' ? '' : current.mountpath, prefix);
  }
  return prefix;
}

function pathnameOf(req: Request): string {
  const url = req.originalUrl ?? req.url ?? '/';
  const question = url.indexOf('?');
  return question < 0 ? url : url.slice(0, question);
}

/**
 * The full route pattern of the route that handled `req` (`/users/:userId/orders/:id`), or
 * undefined when no route matched (404s, scanners). Works on Express 4 and 5, after
 * `next(err)` too.
 *
 * @example
 * ```ts
 * res.on('finish', () => metrics.observe(routePatternOf(req) ?? '<unmatched>'))
 * ```
 */
export function routePatternOf(req: Request): string | undefined {
  const route = (req as { route?: RouteLike }).route;
  if (!route || typeof route !== 'object') return undefined;
  try {
    const app = req.app as unknown as AppLike | undefined;
    const router = rootRouterOf(app);
    const mountPrefix = app ? appMountPrefix(app) : undefined;
    let path = pathnameOf(req);
    if (mountPrefix && path.toLowerCase().startsWith(mountPrefix.toLowerCase())) path = path.slice(mountPrefix.length) || '/';
    if (router && mountPrefix !== undefined) {
      let chains = chainsOf.get(route);
      let fresh = false;
      for (;;) {
        if (!chains) {
          chains = [];
          findChains(router, route, [], chains, 0);
          chainsOf.set(route, chains);
          fresh = true;
        }
        for (const chain of chains) {
          const pattern = patternAlong(chain, path);
          if (pattern !== undefined) return joinPattern(mountPrefix, pattern) || '/';
        }
        // The same router mounted again since the chains were cached: search once more, once per route.
        if (fresh || searchedAgain.has(route)) break;
        searchedAgain.add(route);
        chains = undefined;
      }
    }
  } catch {
    // An unusual router must never break logging or metrics: fall through.
  }
  const routePath = typeof route.path === 'string' ? route.path : String(route.path);
  return `${req.baseUrl ?? ''}${routePath}` || '/';
}
