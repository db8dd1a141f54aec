/** Reads back everything in a Redis (or every master of a Cluster), to look for leaked secrets. */
import { Cluster, type Redis } from 'ioredis';

export interface DumpedKey {
  key: string;
  type: string;
  text: string;
}

async function valueText(node: Redis, key: string, type: string): Promise<string> {
  switch (type) {
    case 'string':
      return (await node.get(key)) ?? '';
    case 'hash':
      return JSON.stringify(await node.hgetall(key));
    case 'list':
      return JSON.stringify(await node.lrange(key, 0, -1));
    case 'set':
      return JSON.stringify(await node.smembers(key));
    case 'zset':
      return JSON.stringify(await node.zrange(key, 0, -1, 'WITHSCORES'));
    case 'stream':
      return JSON.stringify(await node.xrange(key, '-', '+'));
    default:
      return '';
  }
}

/** SCANs every key (matching `match`) and reads its value, whatever its type. */
export async function dumpRedis(client: Redis | Cluster, match = '*'): Promise<DumpedKey[]> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  const out: DumpedKey[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', match, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        const type = await node.type(key);
        out.push({ key, type, text: await valueText(node, key, type) });
      }
    } while (cursor !== '0');
  }
  return out;
}
