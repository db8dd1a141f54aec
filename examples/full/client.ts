/**
 * examples/full/client.ts: a typed client of examples/full, from its own OpenAPI document.
 *
 * `npm run docs:openapi` writes ./openapi.d.ts (`platform-kit openapi … --types`); openapi-fetch's
 * `createClient<paths>()` turns it into a fetch client whose paths, parameters, bodies and
 * responses are checked by the compiler: a route renamed on the server is a type error here
 * after the next regeneration, not a 404 in production.
 *
 * Run against `npm run example:full` (it prints USER_TOKEN):
 *   BASE_URL=http://127.0.0.1:8080 USER_TOKEN=… npx tsx examples/full/client.ts
 */
import { pathToFileURL } from 'node:url';
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, paths } from './openapi.js';

/** The typed client: `client.GET('/graphs/{id}', { params: { path: { id } } })`. */
export type FullApiClient = Client<paths>;

/** A graph as the API returns it (the `Graph` component). */
export type Graph = components['schemas']['Graph'];

export interface FullApiClientOptions {
  /** Where the service listens, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** A JWT sent as `Authorization: Bearer …` (or a function returning a fresh one). */
  token?: string | (() => string | Promise<string>);
  /** An API key sent as `X-API-Key` (the `/external/*` routes). */
  apiKey?: string;
  /** fetch to use (default: the global one). */
  fetch?: (request: Request) => Promise<Response>;
}

/** Credentials as openapi-fetch middleware: set once, sent with every request. */
function credentials({ token, apiKey }: Pick<FullApiClientOptions, 'token' | 'apiKey'>): Middleware {
  return {
    async onRequest({ request }) {
      if (token !== undefined) request.headers.set('Authorization', `Bearer ${typeof token === 'function' ? await token() : token}`);
      if (apiKey !== undefined) request.headers.set('X-API-Key', apiKey);
      return request;
    },
  };
}

/**
 * A client of examples/full.
 *
 * @example
 * ```ts
 * const api = createFullApiClient({ baseUrl: 'http://127.0.0.1:8080', token })
 * const { data, error } = await api.POST('/graphs', { body: { name: 'Daily digest' } })
 * ```
 */
export function createFullApiClient(options: FullApiClientOptions): FullApiClient {
  const client = createClient<paths>({ baseUrl: options.baseUrl, ...(options.fetch !== undefined ? { fetch: options.fetch } : {}) });
  client.use(credentials(options));
  return client;
}

/**
 * Uploads a PNG as the icon of a graph: `multipart/form-data`, whose `icon` field the
 * document types as `Blob`. openapi-fetch sends JSON unless told how to build the form.
 */
export async function uploadGraphIcon(client: FullApiClient, id: string, png: Blob): Promise<{ id: string; iconBytes: number }> {
  const { data, error, response } = await client.PUT('/graphs/{id}/icon', {
    params: { path: { id } },
    body: { icon: png },
    bodySerializer(body) {
      const form = new FormData();
      form.append('icon', body.icon, 'icon.png');
      return form;
    },
  });
  if (error !== undefined) throw new Error(`PUT /graphs/{id}/icon answered ${response.status}: ${JSON.stringify(error.detail)}`);
  return data;
}

/** What the script does: create a graph, read it back, list a page. Errors are typed too. */
export async function demo(client: FullApiClient): Promise<{ created: Graph; page: { items: Graph[]; total: number } }> {
  const created = await client.POST('/graphs', { body: { name: 'Daily digest', nodes: [{ id: 'in', type: 'input' }] } });
  if (created.error !== undefined) {
    // 400, 401, 413 or 429: each with the body its component documents.
    throw new Error(`POST /graphs answered ${created.response.status}: ${JSON.stringify(created.error.detail)}`);
  }
  const read = await client.GET('/graphs/{id}', { params: { path: { id: created.data.id } } });
  if (read.error !== undefined) throw new Error(`GET /graphs/{id} answered ${read.response.status}: ${JSON.stringify(read.error.detail)}`);
  const page = await client.GET('/graphs', { params: { query: { limit: 10 } } });
  if (page.error !== undefined) throw new Error(`GET /graphs answered ${page.response.status}: ${JSON.stringify(page.error.detail)}`);
  return { created: read.data, page: page.data };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const token = process.env.USER_TOKEN;
  if (!token) {
    process.stderr.write('set USER_TOKEN (printed by `npm run example:full`) and BASE_URL (default http://127.0.0.1:8080)\n');
    process.exit(2);
  }
  const { created, page } = await demo(createFullApiClient({ baseUrl: process.env.BASE_URL ?? 'http://127.0.0.1:8080', token }));
  process.stdout.write(`created graph ${created.id} (${created.name}); ${page.total} graph(s) in total\n`);
}
