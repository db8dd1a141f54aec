/**
 * Type tests of the typed client of examples/full (compiled by `npm run typecheck` and by
 * typed-client.test.ts, never run): each `@ts-expect-error` line must be a type error — an
 * unused one is itself an error — so wrong paths, parameters and bodies provably do not
 * compile, and the right ones (including the 429 detail fields) do.
 */
import type { FullApiClient, Graph } from '../../examples/full/client.js';

export async function typedClientChecks(client: FullApiClient, png: Blob): Promise<void> {
  // ---- paths and methods -------------------------------------------------------------
  // @ts-expect-error: no such path
  await client.GET('/graph', {});
  // @ts-expect-error: /me has no DELETE
  await client.DELETE('/me', {});
  // @ts-expect-error: Express syntax is not the document's path
  await client.GET('/graphs/:id', { params: { path: { id: 'x' } } });

  // ---- parameters --------------------------------------------------------------------
  // @ts-expect-error: the path parameter is required
  await client.GET('/graphs/{id}', { params: { path: {} } });
  // @ts-expect-error: ... and the params object too
  await client.GET('/graphs/{id}');
  // @ts-expect-error: limit is a number
  await client.GET('/graphs', { params: { query: { limit: '10' } } });
  // @ts-expect-error: a query string carries no null (the document used to say offset: number | null)
  await client.GET('/graphs', { params: { query: { offset: null } } });
  // @ts-expect-error: unknown query parameter
  await client.GET('/graphs', { params: { query: { page: 2 } } });
  // @ts-expect-error: featured is 'true' | 'false'
  await client.GET('/store/agents', { params: { query: { featured: true } } });
  await client.GET('/graphs', { params: { query: { offset: 0 } } }); // limit and offset have defaults: optional

  // ---- bodies ------------------------------------------------------------------------
  // @ts-expect-error: name is required
  await client.POST('/graphs', { body: { nodes: [] } });
  // @ts-expect-error: name is a string
  await client.POST('/graphs', { body: { name: 1 } });
  // @ts-expect-error: node type is one of input, llm, tool, output
  await client.POST('/graphs', { body: { name: 'g', nodes: [{ id: 'n', type: 'bogus' }] } });
  // @ts-expect-error: the body is required
  await client.POST('/integrations/credentials', {});
  // @ts-expect-error: the icon is a Blob (format: binary), not a string
  await client.PUT('/graphs/{id}/icon', { params: { path: { id: 'x' } }, body: { icon: 'x' } });
  await client.PUT('/graphs/{id}/icon', { params: { path: { id: 'x' } }, body: { icon: png } });
  await client.POST('/graphs', { body: { name: 'g' } }); // description and nodes have defaults: optional

  // ---- responses ---------------------------------------------------------------------
  const { data, error } = await client.POST('/graphs', { body: { name: 'g' } });
  // @ts-expect-error: data is undefined until the error case is excluded
  data.id;
  if (error !== undefined) {
    const detail = error.detail;
    if (typeof detail === 'object' && !Array.isArray(detail)) {
      // The 429 detail fields are required: no `?? 0` needed.
      const fields: [string, string, number, number, number] = [detail.error, detail.message, detail.limit, detail.remaining, detail.reset];
      void fields;
    }
    return;
  }
  const graph: Graph = data;
  // @ts-expect-error: Graph has no such field
  graph.owner;
  const createdAt: string = graph.createdAt;
  const description: string | null = graph.description;
  void [createdAt, description];
}
