import { Cluster } from 'ioredis';
import { startCluster, type RedisClusterHandle } from '../support/redis-server.js';
import { describeRedisStore } from './redis-suite.js';

describe('credentials: IntegrationCredentialsStore on a 3-master Redis Cluster', function () {
  this.timeout(60_000);
  let cluster: RedisClusterHandle;
  let client: Cluster;
  before(async () => {
    cluster = await startCluster();
    client = new Cluster(cluster.nodes);
  });
  after(async () => {
    await client?.quit();
    await cluster?.stop();
  });
  describeRedisStore('cluster backend', () => client, () => `cluster:${cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`);
});
