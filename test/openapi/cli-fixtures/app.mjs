// CLI fixture: plain JavaScript, default export is an Express app with an API router mounted.
import express from 'express';
import { createApiRouter, jsonResponse, z } from '../../../lib/openapi/index.ts';

const api = createApiRouter();
api.route({ method: 'get', path: '/ping', summary: 'Ping', tags: ['misc'], responses: { 200: jsonResponse(z.object({ pong: z.boolean() }), 'Pong') }, handler: (_req, res) => res.json({ pong: true }) });
const nested = express.Router();
nested.use(api);
const app = express();
app.use(express.json());
app.use(nested);
export default app;
