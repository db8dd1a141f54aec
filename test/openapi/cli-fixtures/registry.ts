// CLI fixture: a module whose default export is a bare OpenAPIRegistry.
import { OpenAPIRegistry, z } from '../../../lib/openapi/index.js';

const registry = new OpenAPIRegistry();
registry.registerPath({ method: 'get', path: '/plain', summary: 'Plain', responses: { 200: { description: 'OK', content: { 'application/json': { schema: z.object({ ok: z.boolean() }) } } } } });
export default registry;
