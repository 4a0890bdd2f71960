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
      /** The site's opt-out page's cookie. */
      optOut: boolean;
    },
  ): Promise<ConsentRecordRow | undefined>;
  /**
   * The record of a choice made on the site's opt-out page: `optout` turns both purposes off, as
   * Global Privacy Control does; `optout_withdrawn` names no purpose, so the banner's choice holds
   * again. The page knows no client id, so it is the day's cookieless id, as the visitor's events
   * get from then on.
   */
  optOutRecord(input: {
    siteId: string;
    optedOut: boolean;
    receivedAt: Date;
    ip: string | undefined;
    userAgent: string | undefined;
  }): Promise<ConsentRecordRow>;
  save(rows: readonly ConsentRecordRow[]): Promise<void>;
}

export function createTrackedConsent(deps: { db: Pool; visitorIds: CookielessVisitorIds }): TrackedConsent {
  return {
    async recordOf(event, context) {
      const choice = trackedConsentChoice(event.consent, context.gpc, context.optOut);
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
    async optOutRecord({ siteId, optedOut, receivedAt, ip, userAgent }) {
      return {
        id: newId('cns', receivedAt.getTime()),
        site_id: siteId,
        visitor_id: await deps.visitorIds.visitorId({ siteId, ip, userAgent, at: receivedAt }),
        user_id: null,
        analytics: optedOut ? false : null,
        ads: optedOut ? false : null,
        source: optedOut ? 'optout' : 'optout_withdrawn',
        recorded_at: receivedAt,
      };
    },
    save: (rows) => insertConsentRecords(deps.db, rows),
  };
}
