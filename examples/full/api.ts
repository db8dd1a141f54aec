/**
 * examples/full: an annotated API. Every route is declared once with createApiRouter().route():
 * the same definition routes, validates and documents it, and the middleware list (auth,
 * API key, rate limit) makes the document list 401/403/429 by itself.
 *
 * `createFullApi(options)` builds the working router; `registry` (exported for the
 * `platform-kit openapi` CLI) describes the same API without needing a JWT key or Redis.
 */
import { randomUUID } from 'node:crypto';
import { requireApiKey, type StoredAPIKey } from '../../lib/api-key/index.js';
import { optionalUser, requireAdminUser, requireUser, type AuthMiddlewareOptions } from '../../lib/auth/index.js';
import type { JwtVerifier } from '../../lib/auth/index.js';
import { HttpError } from '../../lib/errors/index.js';
import { createApiRouter, emptyResponse, ErrorDetailBody, jsonResponse, z, type ApiRouter } from '../../lib/openapi/index.js';
import { rateLimit } from '../../lib/rate-limit/index.js';
import type { RedisOption } from '../../lib/redis/index.js';

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
const GraphId = z.object({ id: z.string().uuid().openapi({ description: 'Graph id (UUID)', example: '7d0e5e4e-3f6a-4d1e-9b1e-2f0f3c9a1b2c' }) });

// ---- The API ------------------------------------------------------------------------------

export interface FullApiOptions {
  /** Options of the auth middlewares (e.g. `{ verifier }`). Default: auth settings from the environment. */
  auth?: AuthMiddlewareOptions;
  /** Stored API keys accepted by `/external/*` (`APIKeyManager.generate()` records). */
  apiKeys?: readonly (StoredAPIKey & { head: string; name?: string })[];
  /** Policy of `POST /graphs` (per user). Default 10 per minute, in memory unless `redis` is given. */
  createGraphLimit?: { limit?: number; windowMs?: number; redis?: RedisOption };
}

type GraphRecord = z.output<typeof Graph>;

export function createFullApi(options: FullApiOptions = {}): ApiRouter {
  const graphs = new Map<string, GraphRecord>();
  const api = createApiRouter();
  const user = requireUser(options.auth);
  const admin = requireAdminUser(options.auth);
  const maybeUser = optionalUser(options.auth);
  const apiKey = requireApiKey({ lookup: (head) => (options.apiKeys ?? []).filter((record) => record.head === head) });
  const limit = options.createGraphLimit ?? {};
  const createLimit = rateLimit({
    name: 'graphs-create',
    limit: limit.limit ?? 10,
    windowMs: limit.windowMs ?? 60_000,
    ...(limit.redis !== undefined ? { redis: limit.redis, store: 'redis' as const } : { store: 'memory' as const }),
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

  api.route({
    method: 'delete', path: '/graphs/:id', summary: 'Delete one of my graphs', tags: ['graphs'],
    middleware: [user],
    request: { params: GraphId },
    responses: { 204: emptyResponse('Deleted'), 404: jsonResponse(ErrorDetailBody, 'No such graph (or not yours)') },
    handler: (req, res, next) => {
      const graph = graphs.get(req.params.id);
      if (graph === undefined || graph.ownerId !== req.user!.id) return next(new HttpError(404, 'Graph not found'));
      graphs.delete(graph.id);
      res.status(204).end();
    },
  });

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

  return api;
}

// A verifier that rejects every token: the documentation registry below never serves requests.
const documentationOnlyVerifier: JwtVerifier = {
  algorithms: [],
  verify: () => Promise.reject(new HttpError(401, 'Invalid token')),
};

/** What the API looks like, for `platform-kit openapi examples/full/api.ts` (no secrets or Redis needed). */
export const registry = createFullApi({ auth: { verifier: documentationOnlyVerifier } }).registry;

/** Title and version of the generated document. */
export const info = { title: 'express-platform-kit full example', version: '1.0.0', description: 'Graphs, an agent store and admin statistics, protected by JWTs, API keys and rate limits.' };
