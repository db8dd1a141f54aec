/**
 * examples/full: the Express app (no listen, so tests and tools can import it). The OpenAPI
 * document and the docs page are served before any auth, from the same route definitions.
 */
import express, { type Express } from 'express';
import { errorHandler } from '../../lib/errors/index.js';
import { generateOpenApiDocument, serveOpenApi } from '../../lib/openapi/index.js';
import { createFullApi, info, type FullApiOptions } from './api.js';

export type FullAppOptions = FullApiOptions;

export function createApp(options: FullAppOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  const api = createFullApi(options);
  serveOpenApi(app, { document: () => generateOpenApiDocument(api, info) });
  app.use(api);
  app.use(errorHandler());
  return app;
}
