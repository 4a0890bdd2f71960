import { Redis } from 'ioredis';
import { ConfigError } from '../config.ts';

/**
 * Connects once to REDIS_URL and pings it, so that a wrong or unreachable URL stops the start with
 * the setting's name and the reason, before anything else is opened. The URL's password is never
 * repeated.
 */
export async function checkRedis(url: string, timeoutMs = 5_000): Promise<void> {
  let reason: string | undefined;
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  // connect() rejects with "Connection is closed."; the cause arrives as an error event first.
  redis.on('error', (error: Error) => (reason ??= error.message));
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    const { hostname, port } = new URL(url);
    throw new ConfigError(
      'REDIS_URL',
      `could not connect to ${hostname}:${port || 6379}: ${reason ?? (error as Error).message}`,
    );
  } finally {
    redis.disconnect();
  }
}
