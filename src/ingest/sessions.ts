import type { EventRow } from './event-row.ts';

export const SESSION_TIMEOUT_MS = 30 * 60 * 1000;

/** What the writer knows of a visitor's latest session before a batch. */
export interface SessionState {
  id: string;
  lastSeenAt: Date;
  campaignKey: string | null;
}

/** The session totals one batch adds; the writer upserts them into `sessions`. */
export interface SessionDelta {
  id: string;
  site_id: string;
  visitor_id: string;
  started_at: Date;
  last_seen_at: Date;
  entry_path: string | null;
  exit_path: string | null;
  pageviews: number;
  events: number;
  referrer: string | null;
  referrer_host: string | null;
  referrer_type: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  utm_term: string | null;
  utm_content: string | null;
  country: string | null;
  device_type: string | null;
  browser_name: string | null;
  os_name: string | null;
  company_domain: string | null;
  is_bot: boolean;
  /** The campaign that started the session; null for a continued session (the stored one stays). */
  campaign_key: string | null;
}

/** A campaign as a session sees it: UTM source/medium/campaign, or which ad click brought the visit. */
export function campaignKey(
  row: Pick<
    EventRow,
    | 'utm_source'
    | 'utm_medium'
    | 'utm_campaign'
    | 'gclid'
    | 'gbraid'
    | 'wbraid'
    | 'fbclid'
    | 'msclkid'
    | 'ttclid'
    | 'li_fat_id'
  >,
): string | null {
  if (row.utm_source !== null || row.utm_medium !== null || row.utm_campaign !== null) {
    return `utm:${row.utm_source ?? ''}|${row.utm_medium ?? ''}|${row.utm_campaign ?? ''}`;
  }
  const clickId =
    row.gclid ?? row.gbraid ?? row.wbraid ?? row.fbclid ?? row.msclkid ?? row.ttclid ?? row.li_fat_id;
  return clickId === null ? null : `click:${clickId}`;
}

/**
 * Whether an event continues the visitor's latest session: it must come within 30 minutes of the
 * session's last event, and must not arrive with a campaign other than the session's.
 */
export function continuesSession(
  previous: SessionState | undefined,
  occurredAt: Date,
  campaign: string | null,
): boolean {
  if (previous === undefined) return false;
  if (occurredAt.getTime() - previous.lastSeenAt.getTime() > SESSION_TIMEOUT_MS) return false;
  return campaign === null || campaign === previous.campaignKey;
}

/** Beacon's own housekeeping events do not make a session "engaged" or non-bounced. */
function countsAsInteraction(row: EventRow): boolean {
  return row.type === 'event' && !(row.name ?? '').startsWith('$engagement');
}

export const sessionKey = (siteId: string, visitorId: string) => `${siteId}\u0000${visitorId}`;

/**
 * Sets `session_id` on each row that has a visitor, in time order per visitor, and returns the
 * session totals to upsert. `previous` holds each visitor's latest session before this batch.
 */
export function assignSessions(
  rows: EventRow[],
  previous: Map<string, SessionState>,
  newSessionId: () => string,
): SessionDelta[] {
  const latest = new Map(previous);
  const deltas = new Map<string, SessionDelta>();
  const ordered = rows
    .filter((row) => row.visitor_id !== null)
    .sort((a, b) => a.occurred_at.getTime() - b.occurred_at.getTime());
  for (const row of ordered) {
    const key = sessionKey(row.site_id, row.visitor_id!);
    const campaign = campaignKey(row);
    const current = latest.get(key);
    const continues = current !== undefined && continuesSession(current, row.occurred_at, campaign);
    const session = continues
      ? current
      : { id: newSessionId(), lastSeenAt: row.occurred_at, campaignKey: campaign };
    if (row.occurred_at > session.lastSeenAt) session.lastSeenAt = row.occurred_at;
    latest.set(key, session);
    row.session_id = session.id;

    let delta = deltas.get(session.id);
    if (delta === undefined) {
      // Only a new session takes its source from this event; a continued one keeps what it started with.
      const source = continues ? undefined : row;
      delta = {
        id: session.id,
        site_id: row.site_id,
        visitor_id: row.visitor_id!,
        started_at: row.occurred_at,
        last_seen_at: row.occurred_at,
        entry_path: null,
        exit_path: null,
        pageviews: 0,
        events: 0,
        referrer: source?.referrer ?? null,
        referrer_host: source?.referrer_host ?? null,
        referrer_type: source?.referrer_type ?? null,
        utm_source: source?.utm_source ?? null,
        utm_medium: source?.utm_medium ?? null,
        utm_campaign: source?.utm_campaign ?? null,
        utm_term: source?.utm_term ?? null,
        utm_content: source?.utm_content ?? null,
        country: row.country,
        device_type: row.device_type,
        browser_name: row.browser_name,
        os_name: row.os_name,
        company_domain: row.company_domain,
        is_bot: row.is_bot,
        campaign_key: continues ? null : session.campaignKey,
      };
      deltas.set(session.id, delta);
    }
    if (row.occurred_at > delta.last_seen_at) delta.last_seen_at = row.occurred_at;
    // The first event that names a company attributes the session (enrichment may have missed its
    // time budget for the earlier ones; an identify event may name the company by email).
    delta.company_domain ??= row.company_domain;
    if (row.type === 'pageview') {
      delta.pageviews += 1;
      delta.entry_path ??= row.path;
      delta.exit_path = row.path;
    } else if (countsAsInteraction(row)) {
      delta.events += 1;
    }
  }
  return [...deltas.values()];
}
