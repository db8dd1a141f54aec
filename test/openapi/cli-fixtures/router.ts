// CLI fixture: a module whose named export `router` is an API router.
import { createApiRouter, jsonResponse, z } from '../../../lib/openapi/index.js';
import { testRequireUser } from '../fixtures.js';

export const router = createApiRouter();
router.route({
  method: 'get',
  path: '/things/:id',
  summary: 'Get a thing',
  tags: ['things'],
  middleware: [testRequireUser()],
  responses: { 200: jsonResponse(z.object({ id: z.string() }), 'The thing') },
  handler: (req, res) => res.json({ id: String(req.params.id) }),
});
