/**
 * serveOpenApi: the document as JSON and a Swagger UI page built from the locally installed
 * swagger-ui-dist assets (no CDN). swagger-ui-dist is imported only when serveOpenApi is
 * called. The page has no inline script (CSP `script-src 'self'`): a static initializer
 * reads the document URL from a data attribute.
 */
import { posix } from 'node:path';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { ConfigError } from '../config/settings.js';
import { HttpError } from '../errors/http-error.js';
import { resolveSwaggerUiOptions, type SwaggerUiOptions } from './swagger-ui-options.js';
import type { OpenApiDocument } from './types.js';

/** Options of {@link serveOpenApi}. */
export interface ServeOpenApiOptions {
  /** The document, or a function producing it (called once, on the first request). */
  document: OpenApiDocument | (() => OpenApiDocument);
  /** Where the JSON is served. Default `/openapi.json`. */
  jsonPath?: string;
  /** Where the docs page is served (`false`: JSON only). Default `/docs`. */
  docsPath?: string | false;
  /** Page title. Default: the document's `info.title`. */
  title?: string;
  /**
   * Swagger UI settings (persisted authorization, deep linking, default expansion, …); unset
   * ones keep `DEFAULT_SWAGGER_UI_OPTIONS`. Checked when `serveOpenApi` is called.
   */
  swaggerUi?: SwaggerUiOptions;
}

/** Anything with Express's `get`/`use` (an app or a router). */
export interface RoutableTarget {
  get(path: string, ...handlers: RequestHandler[]): unknown;
  use(path: string, ...handlers: RequestHandler[]): unknown;
}

// Only these files of swagger-ui-dist are exposed.
const ASSETS = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png', 'favicon-16x16.png', 'oauth2-redirect.html', 'oauth2-redirect.js']);
const INITIALIZER = 'platform-kit-swagger-initializer.js';

// Runs in the browser. The settings (checked on the server: booleans, numbers, one enum) come
// as JSON from a data attribute, so the page needs no inline script.
const INITIALIZER_SOURCE = `window.addEventListener('load', function () {
  var root = document.getElementById('swagger-ui');
  var settings = JSON.parse(root.getAttribute('data-swagger-ui-options') || '{}');
  var config = {
    url: new URL(root.getAttribute('data-openapi-url'), document.baseURI).href,
    dom_id: '#swagger-ui',
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout'
  };
  Object.keys(settings).forEach(function (key) { config[key] = settings[key]; });
  window.ui = SwaggerUIBundle(config);
});
`;

const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self' data:; frame-ancestors 'self'; base-uri 'self'; form-action 'self'";

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

function checkPath(name: string, value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.length < 2 || /[?#*:()]/.test(value)) {
    throw new ConfigError([{ variable: name, message: 'must be a literal path like /docs' }], 'serveOpenApi options');
  }
  return value.replace(/\/+$/, '');
}

async function loadSwaggerUiDir(): Promise<string> {
  const specifier = 'swagger-ui-dist';
  const mod = (await import(specifier)) as { getAbsoluteFSPath?: () => string; default?: { getAbsoluteFSPath?: () => string } };
  const locate = mod.getAbsoluteFSPath ?? mod.default?.getAbsoluteFSPath;
  if (typeof locate !== 'function') throw new Error('swagger-ui-dist does not export getAbsoluteFSPath');
  return locate();
}

/** The Swagger UI page; assets and the document URL are relative, so any mount point works. */
function docsPageHtml(title: string, assets: string, jsonUrl: string, settings: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${assets}swagger-ui.css">
<link rel="icon" type="image/png" href="${assets}favicon-32x32.png" sizes="32x32">
</head>
<body>
<div id="swagger-ui" data-openapi-url="${escapeHtml(jsonUrl)}" data-swagger-ui-options="${escapeHtml(settings)}"></div>
<script src="${assets}swagger-ui-bundle.js"></script>
<script src="${assets}${INITIALIZER}"></script>
</body>
</html>
`;
}

function checkTarget(target: unknown, options: ServeOpenApiOptions): void {
  const candidate = target as { get?: unknown; use?: unknown } | null;
  if (candidate === null || (typeof candidate !== 'function' && typeof candidate !== 'object') || typeof candidate.get !== 'function' || typeof candidate.use !== 'function') {
    throw new ConfigError([{ variable: 'target', message: 'must be an Express app or router' }], 'serveOpenApi');
  }
  if (options === null || typeof options !== 'object' || (typeof options.document !== 'function' && (options.document === null || typeof options.document !== 'object'))) {
    throw new ConfigError([{ variable: 'document', message: 'must be an OpenAPI document or a function returning one' }], 'serveOpenApi options');
  }
}

/**
 * Serves `document` at `jsonPath` and an interactive Swagger UI page at `docsPath`, from the
 * locally installed `swagger-ui-dist` (loaded lazily; no CDN). "Authorize" accepts a bearer
 * token and keeps it across reloads (`swaggerUi` sets this and the other page settings).
 * Mount before auth middleware, or on a public router.
 *
 * @example
 * ```ts
 * serveOpenApi(app, { document: () => generateOpenApiDocument(api, { title: 'API', version: '1.0.0' }) })
 * ```
 */
export function serveOpenApi<T extends RoutableTarget>(target: T, options: ServeOpenApiOptions): T {
  checkTarget(target, options);
  const jsonPath = checkPath('jsonPath', options.jsonPath ?? '/openapi.json');
  const docsPath = options.docsPath === false ? false : checkPath('docsPath', options.docsPath ?? '/docs');
  const settings = JSON.stringify(resolveSwaggerUiOptions(options.swaggerUi));
  let cached: { json: string; title: string } | undefined;
  const documentJson = (): { json: string; title: string } => {
    if (cached === undefined) {
      const doc = typeof options.document === 'function' ? options.document() : options.document;
      cached = { json: JSON.stringify(doc), title: options.title ?? doc?.info?.title ?? 'API documentation' };
    }
    return cached;
  };

  target.get(jsonPath, function serveOpenApiJson(_req: Request, res: Response, next: NextFunction) {
    try {
      const { json } = documentJson();
      res.setHeader('Cache-Control', 'no-cache');
      res.type('application/json').send(json);
    } catch (err) {
      next(err);
    }
  });
  if (docsPath === false) return target;

  const assetsDir = loadSwaggerUiDir();
  assetsDir.catch(() => undefined); // reported on the first docs request, not as an unhandled rejection
  let staticAssets: RequestHandler | undefined;

  target.get(docsPath, function serveOpenApiDocsPage(req: Request, res: Response, next: NextFunction) {
    try {
      const { title } = documentJson();
      // The page works at /docs and /docs/: asset URLs are relative to whichever was asked for.
      const pathname = (req.originalUrl ?? req.url).split('?')[0] ?? '';
      const slash = pathname.endsWith('/');
      const assets = slash ? './' : `${posix.basename(docsPath)}/`;
      const jsonUrl = posix.relative(slash ? docsPath : posix.dirname(docsPath), jsonPath);
      res.setHeader('Content-Security-Policy', CSP);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.type('html').send(docsPageHtml(title, assets, jsonUrl, settings));
    } catch (err) {
      next(err);
    }
  });
  target.get(`${docsPath}/${INITIALIZER}`, function serveOpenApiInitializer(_req: Request, res: Response) {
    res.type('application/javascript').send(INITIALIZER_SOURCE);
  });
  target.use(docsPath, function serveSwaggerUiAssets(req: Request, res: Response, next: NextFunction) {
    const file = req.path.replace(/^\/+/, '');
    if (!ASSETS.has(file) || (req.method !== 'GET' && req.method !== 'HEAD')) return next();
    assetsDir.then(
      (dir) => {
        staticAssets ??= express.static(dir, { index: false, fallthrough: true, maxAge: '1h' });
        staticAssets(req, res, next);
      },
      (err: unknown) => next(new HttpError(500, 'Swagger UI assets unavailable', { cause: err, expose: false })),
    );
  });
  return target;
}
