/**
 * examples/full: an annotated API. Every route is declared once with createApiRouter().route():
 * the same definition routes, validates and documents it, and the middleware (auth, API key,
 * session, the per-route and the global rate limit) makes the document list 401/403/429 by
 * itself.
 *
 * `createFullApi(options)` builds the working router; `registry` (exported for the
 * `platform-kit openapi` CLI) describes the same API without a JWT key, Redis or secrets.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { RequestHandler, Router } from 'express';
import { requireApiKey, type StoredAPIKey } from 'express-platform-kit/api-key';
import { optionalUser, requireAdminUser, requireUser, type AuthMiddlewareOptions, type JwtVerifier } from 'express-platform-kit/auth';
import { IntegrationCredentialsStore } from 'express-platform-kit/credentials';
import { HttpError } from 'express-platform-kit/errors';
import { createApiRouter, emptyResponse, ErrorDetailBody, jsonResponse, uploadedFile, z, type ApiRouter } from 'express-platform-kit/openapi';
import { rateLimit } from 'express-platform-kit/rate-limit';
import type { RedisOption } from 'express-platform-kit/redis';
import { clearSessionCookie, readSessionId, requireSession, SessionManager, setSessionCookie, type SessionCookieOptions } from 'express-platform-kit/session';

// ---- Schemas (named ones become components/schemas entries) -------------------------------

export const GraphNode = z.object({ id: z.string().min(1).max(64), type: z.enum(['input', 'llm', 'tool', 'output']) }).openapi('GraphNode');

export const Graph = z
  .object({
    id: z.string().uuid(),
    name: z.string(),
    description: z.string().nullable(),
    nodes: z.array(GraphNode),
    ownerId: z.string(),
    createdAt: z.string().datetime(),
  })
  .openapi('Graph');

export const NewGraph = z
  .object({
    name: z.string().trim().min(1).max(100).openapi({ example: 'Daily digest' }),
    description: z.string().max(1000).nullable().default(null),
    nodes: z.array(GraphNode).max(100).default([]),
  })
  .openapi('NewGraph');

const Me = z.object({ id: z.string(), email: z.string(), role: z.string(), name: z.string().nullable().optional() }).openapi('Me');
const Agent = z.object({ id: z.string(), name: z.string(), featured: z.boolean(), mine: z.boolean() }).openapi('StoreAgent');
const Stats = z.object({ graphs: z.number().int(), owners: z.number().int() }).openapi('AdminStats');
const MaskedCredentials = z
  .object({ id: z.string(), type: z.literal('api_key'), provider: z.string(), title: z.string().nullable().optional(), apiKey: z.string().openapi({ example: '********' }) })
  .openapi('MaskedAPIKeyCredentials');
const NewCredentials = z.object({ provider: z.string().trim().min(1).max(64), apiKey: z.string().min(1).max(4096), title: z.string().max(200).optional() }).openapi('NewAPIKeyCredentials');
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
// The client's Content-Type is not trusted: the bytes must start like a PNG.
const GraphIcon = z.object({ icon: uploadedFile().refine((file) => file.buffer.subarray(0, 8).equals(PNG_SIGNATURE), 'must be a PNG image') });
const CredentialsId = z.object({ id: z.string().min(1).max(128) });
const GraphId = z.object({ id: z.string().uuid().openapi({ description: 'Graph id (UUID)', example: '7d0e5e4e-3f6a-4d1e-9b1e-2f0f3c9a1b2c' }) });

// ---- The API ------------------------------------------------------------------------------

export interface FullApiOptions {
  /** Options of the auth middlewares (e.g. `{ verifier }`). Default: auth settings from the environment. */
  auth?: AuthMiddlewareOptions;
  /** Sessions behind `/sessions/*`. */
  sessions: SessionManager;
  /** Integration credentials behind `/integrations/*`. */
  credentials: IntegrationCredentialsStore;
  /** Attributes of the session cookie (`secure: false` only for plain-http development). */
  sessionCookie?: Omit<SessionCookieOptions, 'cookieName'>;
  /**
   * Middleware for every route (the global per-client rate limit): mounted first in the
   * router, so it also covers what the app mounts after it, and documented on every operation.
   */
  middleware?: readonly RequestHandler[];
  /** Stored API keys accepted by `/external/*` (`APIKeyManager.generate()` records). */
  apiKeys?: readonly (StoredAPIKey & { head: string; name?: string })[];
  /** Policy of `POST /graphs` (per user). Default 10 per minute, in memory unless `redis` is given. */
  createGraphLimit?: { limit?: number; windowMs?: number; redis?: RedisOption };
  /** The Express Router to declare the routes on (e.g. Express 4's `express.Router()`). Default: a new Express 5 Router. */
  router?: Router;
}

type GraphRecord = z.output<typeof Graph>;

export function createFullApi(options: FullApiOptions): ApiRouter {
  const graphs = new Map<string, GraphRecord>();
  // Response validation: 'strip' (the default) in production drops fields a handler adds by
  // mistake; 'error' elsewhere makes the tests fail on any drift between handler and document.
  const api = createApiRouter({
    middleware: options.middleware ?? [],
    responseValidation: process.env.NODE_ENV === 'production' ? 'strip' : 'error',
    ...(options.router !== undefined ? { router: options.router } : {}),
  });
  const user = requireUser(options.auth);
  const admin = requireAdminUser(options.auth);
  const maybeUser = optionalUser(options.auth);
  const apiKey = requireApiKey({ lookup: (head) => (options.apiKeys ?? []).filter((record) => record.head === head) });
  const limit = options.createGraphLimit ?? {};
  const createLimit = rateLimit({
    name: 'graphs-create',
    limit: limit.limit ?? 10,
    windowMs: limit.windowMs ?? 60_000,
    ...(limit.redis !== undefined ? { redis: limit.redis, store: 'redis' as const } : { redis: false as const }),
  });

  api.route({
    method: 'get', path: '/health', summary: 'Liveness probe', tags: ['system'],
    responses: { 200: jsonResponse(z.object({ status: z.literal('ok') }), 'The service is up') },
    handler: (_req, res) => res.json({ status: 'ok' }),
  });

  api.route({
    method: 'get', path: '/me', summary: 'The authenticated user', tags: ['users'],
    middleware: [user],
    responses: { 200: jsonResponse(Me, 'The caller, from the JWT') },
    handler: (req, res) => res.json({ id: req.user!.id, email: req.user!.email, role: req.user!.role, name: req.user!.name ?? null }),
  });

  api.route({
    method: 'get', path: '/admin/stats', summary: 'Usage statistics (admins only)', tags: ['admin'],
    middleware: [admin],
    responses: { 200: jsonResponse(Stats, 'Counts') },
    handler: (_req, res) => res.json({ graphs: graphs.size, owners: new Set([...graphs.values()].map((g) => g.ownerId)).size }),
  });

  declareGraphRoutes(api, graphs, { user, createLimit, maybeUser, apiKey });
  declareSessionRoutes(api, options);
  declareCredentialsRoutes(api, options);
  return api;
}

interface GraphMiddleware {
  user: RequestHandler;
  createLimit: RequestHandler;
  maybeUser: RequestHandler;
  apiKey: RequestHandler;
}

/** Graphs of the signed-in user. */
function declareGraphRoutes(api: ApiRouter, graphs: Map<string, GraphRecord>, { user, createLimit, maybeUser, apiKey }: GraphMiddleware): void {
  const icons = new Map<string, Buffer>(); // graph id → PNG bytes (in memory, like the graphs)
  api.route({
    method: 'get', path: '/graphs', summary: 'List my graphs', tags: ['graphs'],
    middleware: [user],
    request: { query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20), offset: z.coerce.number().int().min(0).default(0) }) },
    responses: { 200: jsonResponse(z.object({ items: z.array(Graph), total: z.number().int() }), 'A page of graphs') },
    handler: (req, res) => {
      const mine = [...graphs.values()].filter((g) => g.ownerId === req.user!.id);
      res.json({ items: mine.slice(req.query.offset, req.query.offset + req.query.limit), total: mine.length });
    },
  });

  api.route({
    method: 'post', path: '/graphs', summary: 'Create a graph', tags: ['graphs'],
    description: 'Rate limited per user (10 per minute by default).',
    middleware: [user, createLimit],
    request: { body: NewGraph },
    responses: { 201: jsonResponse(Graph, 'The created graph') },
    handler: (req, res) => {
      const graph: GraphRecord = { id: randomUUID(), ...req.body, ownerId: req.user!.id, createdAt: new Date().toISOString() };
      graphs.set(graph.id, graph);
      res.status(201).json(graph);
    },
  });

  api.route({
    method: 'get', path: '/graphs/:id', summary: 'Get one of my graphs', tags: ['graphs'],
    middleware: [user],
    request: { params: GraphId },
    responses: { 200: jsonResponse(Graph, 'The graph'), 404: jsonResponse(ErrorDetailBody, 'No such graph (or not yours)') },
    handler: (req, res, next) => {
      const graph = graphs.get(req.params.id);
      if (graph === undefined || graph.ownerId !== req.user!.id) return next(new HttpError(404, 'Graph not found'));
      res.json(graph);
    },
  });

  // An upload: multipart/form-data parsed by busboy within multipartLimits (past one: 413).
  api.route({
    method: 'put', path: '/graphs/:id/icon', summary: 'Set the icon of one of my graphs', tags: ['graphs'],
    description: 'A PNG up to 256 KiB, sent as multipart/form-data (field `icon`).',
    middleware: [user],
    multipartLimits: { fileSize: 256 * 1024, files: 1, fields: 4 },
    request: { params: GraphId, body: { content: { 'multipart/form-data': { schema: GraphIcon } } } },
    responses: { 200: jsonResponse(z.object({ id: z.string(), iconBytes: z.number().int() }), 'The icon was stored'), 404: jsonResponse(ErrorDetailBody, 'No such graph (or not yours)') },
    handler: (req, res, next) => {
      const graph = graphs.get(req.params.id);
      if (graph === undefined || graph.ownerId !== req.user!.id) return next(new HttpError(404, 'Graph not found'));
      icons.set(graph.id, req.body.icon.buffer);
      res.json({ id: graph.id, iconBytes: req.body.icon.size });
    },
  });

  api.route({
    method: 'delete', path: '/graphs/:id', summary: 'Delete one of my graphs', tags: ['graphs'],
    middleware: [user],
    request: { params: GraphId },
    responses: { 204: emptyResponse('Deleted'), 404: jsonResponse(ErrorDetailBody, 'No such graph (or not yours)') },
    handler: (req, res, next) => {
      const graph = graphs.get(req.params.id);
      if (graph === undefined || graph.ownerId !== req.user!.id) return next(new HttpError(404, 'Graph not found'));
      graphs.delete(graph.id);
      icons.delete(graph.id);
      res.status(204).end();
    },
  });
  declareSharingRoutes(api, graphs, { maybeUser, apiKey });
}

/** The public agent store (optional sign-in) and read access with an API key. */
function declareSharingRoutes(api: ApiRouter, graphs: Map<string, GraphRecord>, { maybeUser, apiKey }: Pick<GraphMiddleware, 'maybeUser' | 'apiKey'>): void {
  api.route({
    method: 'get', path: '/store/agents', summary: 'Browse the agent store', tags: ['store'],
    description: 'Public; signed-in callers also see which agents are theirs.',
    middleware: [maybeUser],
    request: { query: z.object({ featured: z.enum(['true', 'false']).optional() }) },
    responses: { 200: jsonResponse(z.array(Agent), 'Agents') },
    handler: (req, res) => {
      const agents = [...graphs.values()].map((g, i) => ({ id: g.id, name: g.name, featured: i % 2 === 0, mine: g.ownerId === req.user?.id }));
      res.json(req.query.featured === undefined ? agents : agents.filter((a) => String(a.featured) === req.query.featured));
    },
  });

  api.route({
    method: 'get', path: '/external/graphs/:id', summary: 'Read a graph with an API key', tags: ['external'],
    middleware: [apiKey],
    request: { params: GraphId },
    responses: { 200: jsonResponse(Graph, 'The graph'), 404: jsonResponse(ErrorDetailBody, 'No such graph') },
    handler: (req, res, next) => {
      const graph = graphs.get(req.params.id);
      if (graph === undefined) return next(new HttpError(404, 'Graph not found'));
      res.json(graph);
    },
  });
}

/** Browser sessions opened from a JWT. */
function declareSessionRoutes(api: ApiRouter, { auth, sessions, sessionCookie = {} }: FullApiOptions): void {
  const user = requireUser(auth);
  const session = requireSession({ manager: sessions, cookie: sessionCookie });
  api.route({
    method: 'post', path: '/sessions', summary: 'Open a browser session from a JWT', tags: ['sessions'],
    middleware: [user],
    responses: {
      201: jsonResponse(z.object({ expiresInSeconds: z.number().int() }), 'Session cookie set (HttpOnly, SameSite=Lax)'),
      503: jsonResponse(ErrorDetailBody, 'The session store (Redis) is unavailable; no session was opened'),
    },
    handler: async (req, res) => {
      const id = await sessions.create(req.user!.id, { ip: req.ip, userAgent: req.get('user-agent') });
      setSessionCookie(res, id, sessionCookie);
      res.status(201).json({ expiresInSeconds: 3600 });
    },
  });
  api.route({
    method: 'get', path: '/sessions/current', summary: 'The session of the cookie', tags: ['sessions'],
    middleware: [session],
    responses: { 200: jsonResponse(z.object({ userId: z.string(), securityIssues: z.array(z.string()) }), 'The session') },
    handler: (req, res) => res.json({ userId: req.platformSession!.userId, securityIssues: req.platformSession!.securityIssues }),
  });
  api.route({
    method: 'delete', path: '/sessions/current', summary: 'Log out', tags: ['sessions'],
    middleware: [session],
    responses: { 204: emptyResponse('Session destroyed, cookie cleared') },
    handler: async (req, res) => {
      await sessions.destroy(readSessionId(req)!);
      clearSessionCookie(res, sessionCookie);
      res.status(204).end();
    },
  });
}

/** Third-party API keys, encrypted at rest. The store's errors (409, 413, 503) reach errorHandler as they are. */
function declareCredentialsRoutes(api: ApiRouter, { auth, credentials }: FullApiOptions): void {
  const user = requireUser(auth);
  const unavailable = jsonResponse(ErrorDetailBody, 'The credentials store is busy or unavailable; nothing was written');
  api.route({
    method: 'post', path: '/integrations/credentials', summary: 'Store an API key for a third-party provider', tags: ['integrations'],
    description: 'Encrypted at rest (AES-256-GCM); never returned in clear.',
    middleware: [user],
    request: { body: NewCredentials },
    responses: { 201: jsonResponse(MaskedCredentials, 'Stored (secret masked)'), 409: jsonResponse(ErrorDetailBody, 'The user already holds the maximum number of credentials'), 503: unavailable },
    handler: async (req, res) => {
      const saved = await credentials.add(req.user!.id, { type: 'api_key', provider: req.body.provider, apiKey: req.body.apiKey, title: req.body.title });
      // Checked against MaskedCredentials on the way out: the Secret serialises as "********".
      if (saved.type !== 'api_key') throw new Error('the store returned another kind of credentials'); // it cannot: narrows the type
      res.status(201).json(saved);
    },
  });
  api.route({
    method: 'get', path: '/integrations/credentials', summary: 'My stored credentials (masked)', tags: ['integrations'],
    middleware: [user],
    responses: { 200: jsonResponse(z.array(MaskedCredentials), 'Credentials, secrets masked'), 503: unavailable },
    handler: async (req, res) => {
      // This API stores API keys only; other kinds (OAuth tokens) are not part of its document.
      res.json((await credentials.list(req.user!.id)).filter((stored) => stored.type === 'api_key'));
    },
  });
  api.route({
    method: 'delete', path: '/integrations/credentials/:id', summary: 'Delete stored credentials', tags: ['integrations'],
    middleware: [user],
    request: { params: CredentialsId },
    responses: { 204: emptyResponse('Deleted'), 404: jsonResponse(ErrorDetailBody, 'No such credentials'), 503: unavailable },
    handler: async (req, res, next) => {
      if (!(await credentials.delete(req.user!.id, req.params.id))) return next(new HttpError(404, 'Credentials not found'));
      res.status(204).end();
    },
  });
}

// A verifier that rejects every token: the documentation registry below never serves requests.
const documentationOnlyVerifier: JwtVerifier = {
  algorithms: [],
  verify: () => Promise.reject(new HttpError(401, 'Invalid token')),
};

/**
 * What the API looks like, for `platform-kit openapi examples/full/api.ts`: the same routes and
 * middleware as the service, on memory backends and a throwaway key (no secrets, no Redis).
 */
export const registry = createFullApi({
  auth: { verifier: documentationOnlyVerifier },
  sessions: new SessionManager({ ttlSeconds: 3600, redis: false }),
  credentials: new IntegrationCredentialsStore({ encryptionKey: randomBytes(32).toString('hex'), redis: false }),
  middleware: [rateLimit({ name: 'api', limit: 60, windowMs: 60_000, redis: false, onStoreError: 'open' })],
}).registry;

/** Title and version of the generated document. */
export const info = { title: 'express-platform-kit full example', version: '1.0.0', description: 'Graphs, an agent store and admin statistics, protected by JWTs, API keys and rate limits.' };
