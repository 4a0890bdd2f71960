import type { Pool } from '../db/pool.ts';
import type { ResolvedSite } from '../ingest/site-resolver.ts';
import type { TrackEvent } from '../ingest/track-schema.ts';
import type { CookielessVisitorIds } from '../ingest/visitor-ids.ts';
import { newId } from '../lib/ids.ts';
import { insertConsentRecords, trackedConsentChoice, type ConsentRecordRow } from './consent-records.ts';

/** Records the consent events of the tracking API (`type: "consent"`), which store no event row. */
export interface TrackedConsent {
  /** The record a consent event makes; undefined when it names no purpose and carries no GPC. */
  recordOf(
    event: TrackEvent,
    context: {
      site: ResolvedSite;
      receivedAt: Date;
      ip: string | undefined;
      userAgent: string | undefined;
      gpc: boolean;
    },
  ): Promise<ConsentRecordRow | undefined>;
  save(rows: readonly ConsentRecordRow[]): Promise<void>;
}

export function createTrackedConsent(deps: { db: Pool; visitorIds: CookielessVisitorIds }): TrackedConsent {
  return {
    async recordOf(event, context) {
      const choice = trackedConsentChoice(event.consent, context.gpc);
      if (choice === undefined) return undefined;
      // A withdrawal is recorded against the id the visitor had until now (the tracker sends it once
      // more before deleting it), so it joins that visitor's history: Beacon must be able to show
      // when consent was given and when it was taken back. Without one (never consented, or a
      // cookieless site) the record gets the day's cookieless id, as the visitor's events do.
      const visitorId =
        event.visitorId !== undefined && !context.site.cookieless
          ? event.visitorId
          : await deps.visitorIds.visitorId({
              siteId: context.site.id,
              ip: context.ip,
              userAgent: context.userAgent,
              at: context.receivedAt,
            });
      return {
        id: newId('cns', context.receivedAt.getTime()),
        site_id: context.site.id,
        visitor_id: visitorId,
        user_id: context.site.cookieless ? null : (event.userId ?? null),
        analytics: choice.analytics,
        ads: choice.ads,
        source: choice.source,
        recorded_at: context.receivedAt,
      };
    },
    save: (rows) => insertConsentRecords(deps.db, rows),
  };
}
