/**
 * Mocha global fixture: one real redis-server for the whole run, on a free loopback port,
 * exposed as TEST_REDIS_URL. Set REDIS_URL to use a server you started instead.
 * It starts with top-level await while mocha loads its `require` files, so TEST_REDIS_URL is
 * already set when spec files are loaded (describe bodies may read it).
 * Nothing here reaches beyond loopback; Google libraries are told not to probe for metadata.
 */
import { startRedis, type RedisServerHandle } from './redis-server.js';

process.env.METADATA_SERVER_DETECTION = 'none';

let server: RedisServerHandle | undefined;
if (process.env.REDIS_URL) {
  process.env.TEST_REDIS_URL = process.env.REDIS_URL;
} else {
  server = await startRedis();
  process.env.TEST_REDIS_URL = server.url;
}
// Modules fall back to REDIS_URL; tests opt into Redis explicitly instead.
delete process.env.REDIS_URL;

export async function mochaGlobalTeardown(): Promise<void> {
  await server?.stop();
}
