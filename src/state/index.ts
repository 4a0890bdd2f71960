import type { SharedState } from './interface.ts';
import { createMemoryState } from './memory.ts';
import { createRedisState } from './redis.ts';
import type { StateLog } from './redis-watch.ts';

export type { Cache, PubSub, RateLimitStore, SharedState } from './interface.ts';

export function createSharedState(options: {
  redisUrl: string | undefined;
  prefix?: string;
  log?: StateLog;
}): SharedState {
  if (options.redisUrl === undefined) return createMemoryState();
  return createRedisState({ url: options.redisUrl, prefix: options.prefix, log: options.log });
}
