import { companyDomainOfEmail } from '../companies/free-mail-domains.ts';
import { createBotDetector, type BotReason, type BotVerdict, type DetectBotInput } from '../enrich/bots.ts';
import type { IpEnricher } from '../enrich/ip-enricher.ts';
import { createUserAgentParser, type UserAgentInfo } from '../enrich/user-agent.ts';
import { newId } from '../lib/ids.ts';
import { correctClockSkew } from './clock.ts';
import { blankEventRow, type EventRow } from './event-row.ts';
import { hasPaidClickId, parsePageUrl } from './page-url.ts';
import { checkProps } from './props.ts';
import { classifyReferrer } from './referrer.ts';
import { scrubProps, scrubValue } from './scrub-personal-data.ts';
import type { ResolvedSite } from './site-resolver.ts';
import { cutText, findUnstorableText } from './storable-text.ts';
import type { TrackEvent } from './track-schema.ts';
import { hashUserIdentifiers } from './user-hashes.ts';
import type { CookielessVisitorIds } from './visitor-ids.ts';

/** What the request tells about every event in it; read from headers and the socket, never the body. */
export interface RequestContext {
  site: ResolvedSite;
  receivedAt: Date;
  /** Client address: the socket, or X-Forwarded-For through TRUSTED_PROXIES only. */
  ip: string | undefined;
  userAgent: string | undefined;
  /** Sec-GPC: 1 — Global Privacy Control, or the site's opt-out page's cookie, which means the same. */
  gpc: boolean;
  /** DNT: 1 — honoured only when the site asks for it. */
  dnt: boolean;
  /** The request's `sentAt`, or the newest event `ts`: the client clock at sending. */
  sentAt: number | undefined;
}

/** Stable snake_case reasons; they double as metric labels. */
export type DropReason = `bot_${BotReason}` | 'do_not_track';

export type PipelineOutcome =
  | { kind: 'accepted'; row: EventRow }
  | { kind: 'dropped'; reason: DropReason }
  | { kind: 'rejected'; field: string; message: string };

interface Draft {
  event: TrackEvent;
  context: RequestContext;
  row: EventRow;
}

type StepResult = void | Exclude<PipelineOutcome, { kind: 'accepted' }>;
type Step = (draft: Draft) => StepResult | Promise<StepResult>;

const USER_AGENT_MAX = 1024;
const TITLE_MAX = 1024;
/** How long an event may wait for IP enrichment before it is stored as pending. */
export const ENRICHMENT_BUDGET_MS = 20;

const checkEventFields: Step = ({ event }) => {
  if (event.type === 'event' && event.name === undefined) {
    return { kind: 'rejected', field: 'name', message: 'name is required for events of type "event"' };
  }
  const props = checkProps(event.props);
  if (!props.ok) return { kind: 'rejected', field: props.field, message: props.message };
  // Every string of the event, props at any depth included, before anything is derived from it.
  const unstorable = findUnstorableText(event);
  if (unstorable !== undefined) {
    return {
      kind: 'rejected',
      field: unstorable,
      message: `${unstorable} contains a NUL character or an unpaired surrogate, which cannot be stored`,
    };
  }
};

const honourDoNotTrack: Step = ({ context }) => {
  if (context.dnt && context.site.respectDnt) return { kind: 'dropped', reason: 'do_not_track' };
};

const parseAgent =
  (parse: (userAgent: string | undefined) => UserAgentInfo): Step =>
  ({ row, context }) => {
    const agent = parse(context.userAgent);
    row.user_agent = context.userAgent === undefined ? null : cutText(context.userAgent, USER_AGENT_MAX);
    row.browser_name = agent.browserName;
    row.browser_version = agent.browserVersion;
    row.os_name = agent.osName;
    row.os_version = agent.osVersion;
    row.device_type = agent.deviceType;
    row.device_vendor = agent.deviceVendor;
    row.device_model = agent.deviceModel;
  };

const detectBots =
  (detect: (input: DetectBotInput) => BotVerdict): Step =>
  ({ row, event, context }) => {
    const verdict = detect({ userAgent: context.userAgent, webdriver: event.webdriver });
    row.is_bot = verdict.isBot;
    if (verdict.isBot && context.site.botPolicy === 'drop')
      return { kind: 'dropped', reason: `bot_${verdict.reason}` };
  };

const parseUrls: Step = ({ row, event, context }) => {
  // A page view is the URL it views; without one it would be stored as a view of nothing.
  if (event.type === 'pageview' && (event.url === undefined || event.url === '')) {
    return { kind: 'rejected', field: 'url', message: 'url is required for events of type "pageview"' };
  }
  // A page URL past the length limit still counts: without its query string, rather than not at all.
  const page = parsePageUrl(event.url) ?? parsePageUrl(event.url?.split('?')[0]);
  if (event.url !== undefined && event.url !== '' && page === undefined) {
    return {
      kind: 'rejected',
      field: 'url',
      message: 'url must be an absolute http(s) URL of at most 2048 characters',
    };
  }
  if (page !== undefined) {
    row.url = page.url;
    row.hostname = page.hostname;
    row.path = page.path;
    row.utm_source = page.utm.source;
    row.utm_medium = page.utm.medium;
    row.utm_campaign = page.utm.campaign;
    row.utm_term = page.utm.term;
    row.utm_content = page.utm.content;
    row.gclid = page.clickIds.gclid;
    row.gbraid = page.clickIds.gbraid;
    row.wbraid = page.clickIds.wbraid;
    row.fbclid = page.clickIds.fbclid;
    row.msclkid = page.clickIds.msclkid;
    row.ttclid = page.clickIds.ttclid;
    row.li_fat_id = page.clickIds.li_fat_id;
  }
  // The referrer loses personal query parameters and data the same way the page URL does.
  row.referrer = parsePageUrl(event.referrer)?.url ?? null;
  // Whether an ad click brought the visit names the channel even where consent keeps the click id
  // itself from being stored (applyConsent): the fact identifies no one.
  const source = classifyReferrer({
    referrer: event.referrer,
    pageHostname: row.hostname,
    siteDomains: [context.site.domain, ...context.site.allowedDomains],
    utm: { source: row.utm_source, medium: row.utm_medium },
    hasPaidClickId: page !== undefined && hasPaidClickId(page.clickIds),
  });
  row.referrer_host = source.referrerHost;
  row.referrer_type = source.referrerType;
};

/**
 * Emails, phone numbers and tokens in the free text a page or a caller sends (the title, a custom
 * event's name, property values at any depth) are replaced by placeholders; URLs were scrubbed
 * when parsed. The title is scrubbed before it is shortened, so no half address survives the cut.
 */
const scrubFreeText: Step = ({ row, event }) => {
  row.title = event.title === undefined ? null : cutText(scrubValue(event.title), TITLE_MAX);
  if (row.name !== null) row.name = scrubValue(row.name);
  if (row.props !== null) row.props = scrubProps(row.props);
};

const correctTime: Step = ({ row, event, context }) => {
  row.client_ts = event.ts === undefined ? null : new Date(event.ts);
  row.occurred_at = new Date(
    correctClockSkew({ ts: event.ts, sentAt: context.sentAt, receivedAt: context.receivedAt.getTime() }),
  );
};

/** Analytics consent, not overridden by Global Privacy Control, on a site that keeps client ids. */
function mayIdentifyVisitor(event: TrackEvent, context: RequestContext): boolean {
  return event.consent?.analytics === true && !context.gpc && !context.site.cookieless;
}

/**
 * Consent decides what may identify the visitor and what may reach ad platforms. Global Privacy
 * Control is an opt-out of both, whatever the page says; a cookieless site never keeps client ids.
 */
const applyConsent =
  (visitorIds: CookielessVisitorIds): Step =>
  async ({ row, event, context }) => {
    const analytics = event.consent?.analytics === true && !context.gpc;
    const ads = event.consent?.ads === true && !context.gpc;
    row.consent_analytics = event.consent?.analytics === undefined ? null : analytics;
    row.consent_ads = event.consent?.ads === undefined && !context.gpc ? null : ads;
    const mayIdentify = mayIdentifyVisitor(event, context);
    row.visitor_id =
      mayIdentify && event.visitorId !== undefined
        ? event.visitorId
        : await visitorIds.visitorId({
            siteId: context.site.id,
            ip: context.ip,
            userAgent: context.userAgent,
            at: context.receivedAt,
          });
    row.user_id = mayIdentify ? (event.userId ?? null) : null;
    row.ga_client_id = mayIdentify ? (event.gaClientId ?? null) : null;
    row.fbp = ads ? (event.fbp ?? null) : null;
    row.fbc = ads ? (event.fbc ?? null) : null;
    // Click ids single out the click, and through the ad platform the person: kept only for ads.
    // parsePageUrl never leaves them in the stored url or referrer.
    if (!ads) {
      row.gclid = null;
      row.gbraid = null;
      row.wbraid = null;
      row.fbclid = null;
      row.msclkid = null;
      row.ttclid = null;
      row.li_fat_id = null;
    }
    row.user_hashes = mayIdentify ? hashUserIdentifiers(event.user) : null;
  };

/**
 * Whether the visitor's address may go to an online IP provider (IPinfo): with analytics consent, or
 * when the site identifies companies under legitimate interest. Global Privacy Control is an
 * objection, and legitimate interest yields to objections: it keeps the address on this machine.
 */
function mayLookUpOnline(event: TrackEvent, context: RequestContext): boolean {
  if (context.gpc) return false;
  return event.consent?.analytics === true || context.site.companyIdentificationWithoutConsent;
}

const enrichIp =
  (enricher: IpEnricher): Step =>
  async ({ row, event, context }) => {
    const result = await enricher.enrich(context.ip, ENRICHMENT_BUDGET_MS, {
      offlineOnly: !mayLookUpOnline(event, context),
    });
    row.enrichment_status = result.status;
    if (result.status === 'done') {
      const { enrichment } = result;
      row.country = enrichment.country;
      row.region = enrichment.region;
      row.city = enrichment.city;
      row.asn = enrichment.asn;
      row.as_name = enrichment.asName;
      row.visitor_class = enrichment.visitorClass;
      row.company_domain = enrichment.companyDomain;
      row.company_name = enrichment.companyName;
      row.is_vpn = enrichment.isVpn;
      row.is_hosting = enrichment.isHosting;
    }
    // A bot is never a company, whatever network it came from.
    if (row.is_bot && result.status === 'done') {
      row.visitor_class = 'bot';
      row.company_domain = null;
      row.company_name = null;
    }
    // A pending lookup still needs the full address; the background job minimises it when done.
    row.ip = result.status === 'pending' ? (context.ip ?? null) : (enricher.minimize(context.ip) ?? null);
  };

/**
 * An `identify` event with a work email names the visitor's company by the email's domain, under the
 * same consent that lets Beacon keep identifiers at all. The person's own address outranks the
 * network's owner; a free-mail domain says nothing about an employer. Only the domain is kept.
 */
const identifyCompanyByEmail: Step = ({ row, event, context }) => {
  if (event.type !== 'identify' || row.is_bot || !mayIdentifyVisitor(event, context)) return;
  const domain = companyDomainOfEmail(event.user?.email);
  if (domain === null) return;
  if (row.company_domain !== domain) row.company_name = null;
  row.company_domain = domain;
};

function emptyRow(event: TrackEvent, context: RequestContext): EventRow {
  return blankEventRow({
    id: newId('evt', context.receivedAt.getTime()),
    site_id: context.site.id,
    event_id: event.eventId ?? null,
    type: event.type,
    name: event.type === 'event' ? (event.name ?? null) : null,
    received_at: context.receivedAt,
    screen_width: event.screen?.w ?? null,
    screen_height: event.screen?.h ?? null,
    viewport_width: event.viewport?.w ?? null,
    viewport_height: event.viewport?.h ?? null,
    language: event.lang ?? null,
    timezone: event.tz ?? null,
    props: (event.props as Record<string, unknown> | undefined) ?? null,
    value: event.value ?? null,
    currency: event.currency?.toUpperCase() ?? null,
    transaction_id: event.transactionId ?? null,
  });
}

export interface Pipeline {
  process(event: TrackEvent, context: RequestContext): Promise<PipelineOutcome>;
}

/** The ingestion steps, top to bottom. Each may stop the event with a drop or a rejection. */
export function createPipeline(deps: { visitorIds: CookielessVisitorIds; ipEnricher: IpEnricher }): Pipeline {
  const steps: Step[] = [
    checkEventFields,
    honourDoNotTrack,
    parseAgent(createUserAgentParser()),
    detectBots(createBotDetector()),
    parseUrls,
    scrubFreeText,
    correctTime,
    applyConsent(deps.visitorIds),
    enrichIp(deps.ipEnricher),
    identifyCompanyByEmail,
  ];
  return {
    async process(event, context) {
      const draft: Draft = { event, context, row: emptyRow(event, context) };
      for (const step of steps) {
        let result = step(draft);
        if (result instanceof Promise) result = await result;
        if (result) return result;
      }
      return { kind: 'accepted', row: draft.row };
    },
  };
}
