/**
 * Where alert state lives: process memory when alone, Redis when several replicas evaluate the
 * same rules. Both apply `transition()` as a compare-and-set, so exactly one observer wins each
 * change and sends its notification.
 */
import type { RedisClient } from '../redis/index.js';
import { withDeadline } from '../redis/deadline.js';
import { KitError } from '../errors/kit-error.js';
import type { AlertState, Transition } from './state.js';

/** Applies `change` to the state of alert `id` atomically; resolves with what it did. */
export interface AlertStateStore {
  update(id: string, change: (prev: AlertState | null) => Transition): Promise<Transition>;
}

/** One process: a Map (JavaScript runs each update to completion, nothing interleaves). */
export class MemoryAlertStore implements AlertStateStore {
  private readonly states = new Map<string, AlertState>();

  async update(id: string, change: (prev: AlertState | null) => Transition): Promise<Transition> {
    const result = change(this.states.get(id) ?? null);
    if (result.next) this.states.set(id, result.next);
    else this.states.delete(id);
    return result;
  }
}

// Sets (or deletes) the key only when it still holds what the caller read.
const CAS_LUA = `
local current = redis.call('GET', KEYS[1])
if (current or '') ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
return 1`;

type CasClient = RedisClient & { epkAlertCas(key: string, expected: string, next: string, ttlMs: number): Promise<number> };

const MAX_ATTEMPTS = 20;

/**
 * Redis: one JSON string per alert under `{epk:alerts:<name>}:<id>` (one hash tag per manager,
 * so Redis Cluster keeps them in one slot), written by a compare-and-set script; a lost race
 * re-reads and re-applies the observation.
 */
export class RedisAlertStore implements AlertStateStore {
  private readonly client: CasClient;

  constructor(client: RedisClient, private readonly name: string, private readonly timeoutMs: number, private readonly ttlMs: number) {
    if (typeof (client as unknown as Partial<CasClient>).epkAlertCas !== 'function') client.defineCommand('epkAlertCas', { numberOfKeys: 1, lua: CAS_LUA });
    this.client = client as unknown as CasClient;
  }

  private key(id: string): string {
    return `{epk:alerts:${this.name}}:${id}`;
  }

  async update(id: string, change: (prev: AlertState | null) => Transition): Promise<Transition> {
    try {
      return await this.compareAndSet(this.key(id), id, change);
    } catch (error) {
      if (error instanceof KitError) throw error;
      throw new KitError('ERR_STORE_UNAVAILABLE', `alert state of ${id} unavailable: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }

  private async compareAndSet(key: string, id: string, change: (prev: AlertState | null) => Transition): Promise<Transition> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const raw = (await withDeadline(this.client.get(key), this.timeoutMs, 'alert state read')) ?? '';
      const result = change(raw === '' ? null : (JSON.parse(raw) as AlertState));
      const next = result.next ? JSON.stringify(result.next) : '';
      if (next === raw) return result; // nothing to write (e.g. a clear from a replica that never held it)
      const won = await withDeadline(this.client.epkAlertCas(key, raw, next, this.ttlMs), this.timeoutMs, 'alert state write');
      if (won === 1) return result;
    }
    throw new KitError('ERR_STORE_UNAVAILABLE', `alert state of ${id} kept changing under ${MAX_ATTEMPTS} attempts`);
  }
}
