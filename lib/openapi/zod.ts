import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// Applied once, here, when the module loads: everyone who imports `z` from the kit gets
// `.openapi()` regardless of import order. extendZodWithOpenApi is itself idempotent (it
// returns early when the prototype already has `openapi`), so an app that also calls it
// on the same zod copy is fine.
extendZodWithOpenApi(z);

export { z };
