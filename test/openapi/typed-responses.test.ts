/**
 * Typed responses: `res.json()` in a route handler accepts the bodies of the route's
 * documented JSON responses only. The `@ts-expect-error` lines are the type test: if one of
 * them stopped being an error, `npx tsc --noEmit -p tsconfig.json` would fail ("unused
 * directive"). The runtime part checks the same routes answer as typed.
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import { errorHandler } from '../../lib/errors/index.js';
import { type ApiResponseBody, createApiRouter, type emptyResponse, ErrorDetailBody, jsonResponse, z } from '../../lib/openapi/index.js';
import { forEachExpress } from '../support/express.js';

const Graph = z.object({ id: z.string(), nodes: z.number().int(), createdAt: z.string().datetime() });

// The body type of a responses object, as the handler sees it.
type Bodies = ApiResponseBody<{ 200: ReturnType<typeof jsonResponse<typeof Graph>>; 404: ReturnType<typeof jsonResponse<typeof ErrorDetailBody>>; 204: ReturnType<typeof emptyResponse> }>;
const graphBody: Bodies = { id: 'g', nodes: 1, createdAt: new Date() }; // a Date is sent as its ISO string
const errorBody: Bodies = { detail: 'No such graph' };
// @ts-expect-error nodes is a number
const wrongBody: Bodies = { id: 'g', nodes: 'one', createdAt: '2026-01-01T00:00:00Z' };
// A route whose responses are not zod JSON schemas accepts anything (nothing to check against).
const untyped: ApiResponseBody<{ 200: { $ref: '#/components/responses/X' } }> = 42;
const noBody: ApiResponseBody<{ 204: ReturnType<typeof emptyResponse> }> = 'anything';
void [graphBody, errorBody, wrongBody, untyped, noBody];

function declareRoutes() {
  const api = createApiRouter();
  api.route({
    method: 'get', path: '/graphs/:id', summary: 'Get', request: { params: z.object({ id: z.string() }) },
    responses: { 200: jsonResponse(Graph, 'The graph'), 404: jsonResponse(ErrorDetailBody, 'No such graph') },
    handler: (req, res) => {
      if (req.params.id === 'missing') return res.status(404).json({ detail: 'No such graph' });
      if (req.params.id === 'typo') {
        // @ts-expect-error `node` is not a documented field and `nodes` is missing
        return res.json({ id: 'g', node: 1, createdAt: '2026-01-01T00:00:00.000Z' });
      }
      if (req.params.id === 'wrong-type') {
        // @ts-expect-error createdAt must be a string (or have toJSON), not a number
        return res.json({ id: 'g', nodes: 1, createdAt: 1 });
      }
      return res.json({ id: req.params.id, nodes: 3, createdAt: new Date('2026-01-01T00:00:00.000Z') });
    },
  });
  api.route({
    method: 'get', path: '/list', summary: 'List', responses: { 200: jsonResponse(z.array(Graph), 'Graphs') },
    handler: (_req, res) => {
      // @ts-expect-error an array is documented, not one graph
      if (Math.random() > 2) res.json({ id: 'g', nodes: 1, createdAt: 'x' });
      res.send([]);
    },
  });
  return api;
}

forEachExpress('route(): typed responses', ({ create }) => {
  it('the bodies the types allow are the ones the route sends (a Date as its ISO string; a typo 500s at runtime too)', async () => {
    const app = create();
    app.use(declareRoutes());
    let serverErrors = 0;
    app.use(errorHandler({ onServerError: () => void (serverErrors += 1) }));
    assert.deepEqual((await request(app).get('/graphs/g1').expect(200)).body, { id: 'g1', nodes: 3, createdAt: '2026-01-01T00:00:00.000Z' });
    assert.deepEqual((await request(app).get('/graphs/missing').expect(404)).body, { detail: 'No such graph' });
    await request(app).get('/graphs/typo').expect(500);
    await request(app).get('/graphs/wrong-type').expect(500);
    assert.equal(serverErrors, 2);
    assert.deepEqual((await request(app).get('/list').expect(200)).body, []);
  });
});
