import assert from 'node:assert/strict';
import { Cluster } from 'ioredis';
import { createRedisRevocationList } from '../../lib/auth/index.js';
import { startCluster, type RedisClusterHandle } from '../support/redis-server.js';

describe('revocation list on a Redis Cluster', function () {
  this.timeout(60_000);
  let cluster: RedisClusterHandle;
  let client: Cluster;
  before(async () => {
    cluster = await startCluster();
    client = new Cluster(cluster.nodes);
  });
  after(async () => {
    client.disconnect();
    await cluster.stop();
  });

  it("looks a user and a token up in one MGET (the user's keys share a hash slot)", async () => {
    const writer = createRedisRevocationList({ redis: client, maxStalenessMs: 0 });
    const reader = createRedisRevocationList({ redis: client, maxStalenessMs: 0 });
    const iat = Math.floor(Date.now() / 1000) - 60;
    // many users, so their keys land on every node
    for (let i = 0; i < 20; i++) {
      const sub = `user-${i}`;
      assert.equal(await reader.isRevoked({ sub, jti: `j-${i}`, iat }), false);
      if (i % 2 === 0) await writer.revokeUser(sub);
      else await writer.revokeToken({ sub, jti: `j-${i}`, exp: iat + 3600 });
      assert.equal(await reader.isRevoked({ sub, jti: `j-${i}`, iat }), true, sub);
      assert.equal(await reader.isRevoked({ sub, jti: `other-${i}`, iat: iat + 120 }), false, `${sub}: a later token of the user`);
    }
  });
});
