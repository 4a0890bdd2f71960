import { LRUCache } from 'lru-cache';
import type { RefusalReason } from './accept-events.ts';

export interface Refusal {
  reason: RefusalReason;
  message: string;
  field: string | undefined;
  /** The public site key the body named, when it parsed. */
  siteKey: string | undefined;
  origin: string | undefined;
  requestId: string;
}

export interface RefusalLog {
  record(refusal: Refusal): void;
}

/**
 * Logs refused tracking requests so a site owner can see why their events are missing, at most one
 * line per reason and site key a window: a flood of bad requests must not flood the log. The line
 * after a quiet window says how many were left out. Client addresses are not logged.
 */
export function createRefusalLog(options: {
  log: { warn(object: object, message: string): void };
  windowMs?: number;
  now?: () => number;
}): RefusalLog {
  const windowMs = options.windowMs ?? 60_000;
  const now = options.now ?? Date.now;
  const windows = new LRUCache<string, { until: number; suppressed: number }>({ max: 10_000 });
  return {
    record(refusal) {
      const key = `${refusal.reason}\u0000${refusal.siteKey ?? ''}`;
      const time = now();
      const window = windows.get(key);
      if (window !== undefined && window.until > time) {
        window.suppressed += 1;
        return;
      }
      windows.set(key, { until: time + windowMs, suppressed: 0 });
      options.log.warn(
        {
          reason: refusal.reason,
          siteKey: refusal.siteKey,
          origin: refusal.origin,
          field: refusal.field,
          requestId: refusal.requestId,
          ...(window?.suppressed ? { suppressedSinceLastLine: window.suppressed } : {}),
        },
        `tracking request refused: ${refusal.message}`,
      );
    },
  };
}
