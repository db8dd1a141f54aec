// CLI fixture: an Express 4 app (routers live in app._router) exported as `app`.
import express4 from 'express4';
import { createApiRouter, jsonResponse, z } from '../../../lib/openapi/index.ts';

const api = createApiRouter({ router: express4.Router(), basePath: '/v1' });
api.route({ method: 'get', path: '/items/:id', summary: 'Item', tags: ['items'], responses: { 200: jsonResponse(z.object({ id: z.string() }), 'Item') }, handler: (req, res) => res.json(req.params) });
export const app = express4();
app.use('/v1', api);
