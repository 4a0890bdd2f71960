import { Type, type Static } from 'typebox';
import type { Queryable } from '../db/pool.ts';

/**
 * Where a consent choice came from: the tracker's consent call, Global Privacy Control, a server,
 * or the site's opt-out page (an opt-out, and its undo).
 */
export const CONSENT_SOURCES = ['banner', 'gpc', 'api', 'optout', 'optout_withdrawn'] as const;
export type ConsentSource = (typeof CONSENT_SOURCES)[number];

/** A consent choice as it is stored (migration 019) and exported. A purpose not named is null. */
export const ConsentRecord = Type.Object({
  id: Type.String(),
  siteId: Type.String(),
  visitorId: Type.Union([Type.String(), Type.Null()]),
  userId: Type.Union([Type.String(), Type.Null()]),
  analytics: Type.Union([Type.Boolean(), Type.Null()]),
  ads: Type.Union([Type.Boolean(), Type.Null()]),
  source: Type.Union([
    Type.Literal('banner'),
    Type.Literal('gpc'),
    Type.Literal('api'),
    Type.Literal('optout'),
    Type.Literal('optout_withdrawn'),
  ]),
  recordedAt: Type.String({ format: 'date-time' }),
});
export type ConsentRecord = Static<typeof ConsentRecord>;

export interface ConsentRecordRow {
  id: string;
  site_id: string;
  visitor_id: string | null;
  user_id: string | null;
  analytics: boolean | null;
  ads: boolean | null;
  source: ConsentSource;
  recorded_at: Date;
}

export const CONSENT_COLUMNS = 'id, site_id, visitor_id, user_id, analytics, ads, source, recorded_at';

export function toConsentRecord(row: ConsentRecordRow): ConsentRecord {
  return {
    id: row.id,
    siteId: row.site_id,
    visitorId: row.visitor_id,
    userId: row.user_id,
    analytics: row.analytics,
    ads: row.ads,
    source: row.source,
    recordedAt: row.recorded_at.toISOString(),
  };
}

/** What a choice says: each purpose granted, refused, or not named (null). */
export interface ConsentChoice {
  analytics: boolean | null;
  ads: boolean | null;
  source: ConsentSource;
}

/**
 * The choice a tracker's `consent` event records. Global Privacy Control (Sec-GPC: 1) and the site's
 * opt-out page are each an opt-out of both purposes whatever the banner said, and are recorded as
 * such, with their own source. Undefined when the event names no purpose and neither applies: there
 * is nothing to record.
 */
export function trackedConsentChoice(
  consent: { analytics?: unknown; ads?: unknown } | undefined,
  gpc: boolean,
  optOut = false,
): ConsentChoice | undefined {
  if (gpc) return { analytics: false, ads: false, source: 'gpc' };
  if (optOut) return { analytics: false, ads: false, source: 'optout' };
  const analytics = typeof consent?.analytics === 'boolean' ? consent.analytics : null;
  const ads = typeof consent?.ads === 'boolean' ? consent.ads : null;
  if (analytics === null && ads === null) return undefined;
  return { analytics, ads, source: 'banner' };
}

/** Stores consent records in one statement. */
export async function insertConsentRecords(db: Queryable, rows: readonly ConsentRecordRow[]): Promise<void> {
  if (rows.length === 0) return;
  const column = <T>(pick: (row: ConsentRecordRow) => T) => rows.map(pick);
  await db.query(
    `INSERT INTO consent_records (${CONSENT_COLUMNS})
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::boolean[],
                          $7::text[], $8::timestamptz[])`,
    [
      column((row) => row.id),
      column((row) => row.site_id),
      column((row) => row.visitor_id),
      column((row) => row.user_id),
      column((row) => row.analytics),
      column((row) => row.ads),
      column((row) => row.source),
      column((row) => row.recorded_at),
    ],
  );
}
