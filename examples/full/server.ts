/**
 * examples/full: listens on 127.0.0.1:$PORT (default 8080). Needs JWT_VERIFY_KEY (or
 * SUPABASE_JWT_SECRET) for the auth middlewares; REDIS_URL is optional (the create-graph
 * limit stays in memory without it). Open http://127.0.0.1:8080/docs.
 *
 *   JWT_VERIFY_KEY=$(openssl rand -hex 32) npx tsx examples/full/server.ts
 */
import { gracefulShutdown } from '../../lib/shutdown/index.js';
import { createApp } from './app.js';

const port = Number(process.env.PORT ?? 8080);
const redis = process.env.REDIS_URL;
const app = createApp(redis !== undefined && redis !== '' ? { createGraphLimit: { redis } } : {});
const server = app.listen(port, '127.0.0.1', () => {
  console.log(`full example on http://127.0.0.1:${port} (docs: /docs, document: /openapi.json)`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void gracefulShutdown(server, { timeoutMs: 10_000 }));
}
