import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../db/pool.ts';

/** What every cookieless visitor id starts with: reports tell ids that last a day from ids that persist. */
export const COOKIELESS_ID_PREFIX = 'cl_';

export interface CookielessVisitorIds {
  /**
   * A visitor id for events without a consented first-party id: a hash of a salt that rotates every
   * UTC day, the site, the network address and the user agent. It counts a visitor within a day and
   * cannot link days, because old salts are deleted; nothing is stored in the browser.
   */
  visitorId(input: {
    siteId: string;
    ip: string | undefined;
    userAgent: string | undefined;
    at: Date;
  }): Promise<string>;
  /** Deletes salts older than yesterday. */
  pruneSalts(): Promise<void>;
}

export function createCookielessVisitorIds(options: { db: Queryable }): CookielessVisitorIds {
  const salts = new Map<string, Promise<string>>();

  async function loadSalt(day: string): Promise<string> {
    // Several instances may race to create the day's salt: the first insert wins, all read it back.
    await options.db.query(
      'INSERT INTO daily_salts (day, salt) VALUES ($1, $2) ON CONFLICT (day) DO NOTHING',
      [day, randomBytes(32).toString('base64url')],
    );
    const { rows } = await options.db.query<{ salt: string }>('SELECT salt FROM daily_salts WHERE day = $1', [
      day,
    ]);
    return rows[0]!.salt;
  }

  function saltFor(day: string): Promise<string> {
    let salt = salts.get(day);
    if (salt === undefined) {
      salt = loadSalt(day);
      salt.catch(() => salts.delete(day));
      salts.set(day, salt);
      // Keep only today's and yesterday's salt in memory.
      for (const key of salts.keys()) if (salts.size > 2 && key !== day) salts.delete(key);
    }
    return salt;
  }

  return {
    async visitorId({ siteId, ip, userAgent, at }) {
      const salt = await saltFor(at.toISOString().slice(0, 10));
      const digest = createHash('sha256')
        .update(`${salt}\u0000${siteId}\u0000${ip ?? ''}\u0000${userAgent ?? ''}`)
        .digest('base64url');
      return `${COOKIELESS_ID_PREFIX}${digest.slice(0, 22)}`;
    },
    async pruneSalts() {
      await options.db.query(`DELETE FROM daily_salts WHERE day < (now() AT TIME ZONE 'UTC')::date - 1`);
    },
  };
}
