/**
 * One stored event: the 67 columns of `events` (docs/events.md), in table order. The writer COPYs
 * these column by column, so this list and the table must stay equal (src/db/schema.test.ts).
 */
export interface EventRow {
  id: string;
  site_id: string;
  event_id: string | null;
  type: string;
  name: string | null;
  received_at: Date;
  client_ts: Date | null;
  occurred_at: Date;
  visitor_id: string | null;
  session_id: string | null;
  user_id: string | null;
  url: string | null;
  hostname: string | null;
  path: string | null;
  title: string | null;
  referrer: string | null;
  referrer_host: string | null;
  referrer_type: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  utm_term: string | null;
  utm_content: string | null;
  gclid: string | null;
  gbraid: string | null;
  wbraid: string | null;
  fbclid: string | null;
  msclkid: string | null;
  ttclid: string | null;
  li_fat_id: string | null;
  fbp: string | null;
  fbc: string | null;
  screen_width: number | null;
  screen_height: number | null;
  viewport_width: number | null;
  viewport_height: number | null;
  language: string | null;
  timezone: string | null;
  user_agent: string | null;
  browser_name: string | null;
  browser_version: string | null;
  os_name: string | null;
  os_version: string | null;
  device_type: string | null;
  device_vendor: string | null;
  device_model: string | null;
  is_bot: boolean;
  ip: string | null;
  country: string | null;
  region: string | null;
  city: string | null;
  asn: number | null;
  as_name: string | null;
  visitor_class: string | null;
  company_domain: string | null;
  company_name: string | null;
  is_vpn: boolean | null;
  is_hosting: boolean | null;
  enrichment_status: 'pending' | 'done' | 'failed' | 'skipped';
  consent_analytics: boolean | null;
  consent_ads: boolean | null;
  props: Record<string, unknown> | null;
  value: number | null;
  currency: string | null;
  user_hashes: Record<string, string> | null;
  ga_client_id: string | null;
  transaction_id: string | null;
}

/** PostgreSQL type of each column (the events listing derives its response schema from it). */
export const EVENT_COLUMN_TYPES: { [K in keyof EventRow]: string } = {
  id: 'text',
  site_id: 'text',
  event_id: 'text',
  type: 'text',
  name: 'text',
  received_at: 'timestamptz',
  client_ts: 'timestamptz',
  occurred_at: 'timestamptz',
  visitor_id: 'text',
  session_id: 'text',
  user_id: 'text',
  url: 'text',
  hostname: 'text',
  path: 'text',
  title: 'text',
  referrer: 'text',
  referrer_host: 'text',
  referrer_type: 'text',
  utm_source: 'text',
  utm_medium: 'text',
  utm_campaign: 'text',
  utm_term: 'text',
  utm_content: 'text',
  gclid: 'text',
  gbraid: 'text',
  wbraid: 'text',
  fbclid: 'text',
  msclkid: 'text',
  ttclid: 'text',
  li_fat_id: 'text',
  fbp: 'text',
  fbc: 'text',
  screen_width: 'integer',
  screen_height: 'integer',
  viewport_width: 'integer',
  viewport_height: 'integer',
  language: 'text',
  timezone: 'text',
  user_agent: 'text',
  browser_name: 'text',
  browser_version: 'text',
  os_name: 'text',
  os_version: 'text',
  device_type: 'text',
  device_vendor: 'text',
  device_model: 'text',
  is_bot: 'boolean',
  ip: 'text',
  country: 'text',
  region: 'text',
  city: 'text',
  asn: 'bigint',
  as_name: 'text',
  visitor_class: 'text',
  company_domain: 'text',
  company_name: 'text',
  is_vpn: 'boolean',
  is_hosting: 'boolean',
  enrichment_status: 'text',
  consent_analytics: 'boolean',
  consent_ads: 'boolean',
  props: 'jsonb',
  value: 'numeric',
  currency: 'text',
  user_hashes: 'jsonb',
  ga_client_id: 'text',
  transaction_id: 'text',
};

export const EVENT_COLUMNS = Object.keys(EVENT_COLUMN_TYPES) as Array<keyof EventRow>;

const NULL_ROW = Object.fromEntries(EVENT_COLUMNS.map((column) => [column, null]));

/**
 * A row with every column null except what is given: not a bot, enrichment skipped, occurred when
 * received. The pipeline's steps fill in the rest.
 */
export function blankEventRow(
  fields: Pick<EventRow, 'id' | 'site_id' | 'type' | 'received_at'> & Partial<EventRow>,
): EventRow {
  return {
    ...NULL_ROW,
    occurred_at: fields.received_at,
    is_bot: false,
    enrichment_status: 'skipped',
    ...fields,
  } as EventRow;
}
