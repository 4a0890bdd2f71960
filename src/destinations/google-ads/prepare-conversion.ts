import type { DestinationEvent, OutgoingEvent, SendResult } from '../destination-type.ts';

/** A stored event as a Google Ads conversion, in terms both APIs share; each serialises it its own way. */
export interface Conversion {
  /** The delivery (`OutgoingEvent.id`) whose outcome this is. */
  id: number;
  conversionActionId: string;
  transactionId: string;
  occurredAt: Date;
  /** At most one click id: both APIs want exactly one (the legacy one refuses two). */
  clickId: { gclid: string } | { wbraid: string } | { gbraid: string } | undefined;
  /** SHA-256 hex of the email and phone as Google normalises them (gmail rule, E.164 with `+`). */
  hashedEmail: string | undefined;
  hashedPhone: string | undefined;
  value: number | undefined;
  currency: string | undefined;
  userAgent: string | undefined;
  /** The client's address, only where Google Ads matches on it (not in the EEA, the UK or Switzerland). */
  ipAddress: string | undefined;
}

export type PreparedConversion =
  { kind: 'send'; conversion: Conversion } | { kind: 'done'; id: number; result: SendResult };

/**
 * Countries whose users Google Ads does not match by IP (EU, EEA, UK, Switzerland): their address is
 * never sent. Google's own words: "leave the IP out for them".
 */
const NO_IP_MATCHING = new Set(
  [
    'AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE', // EU
    'IS LI NO', // the rest of the EEA
    'GB CH',
  ]
    .join(' ')
    .split(' '),
);

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * The transaction id both APIs deduplicate on within a conversion action: the event's own (order id),
 * else its eventId, so a re-sent event is folded into the first. A purely numeric value is prefixed:
 * a real `events:ingest` refused `"2"` while `"row-2"` passed (google-data-manager.md §10), and the
 * same prefix every time keeps retries deduplicating.
 */
export function transactionIdOf(event: DestinationEvent): string {
  const id = event.transactionId?.trim() || event.eventId;
  return /^\d+$/.test(id) ? `beacon-${id}` : id;
}

/** gclid first (it identifies the click itself), then wbraid (iOS web), then gbraid (iOS app). */
export function clickIdOf(event: DestinationEvent): Conversion['clickId'] {
  const { gclid, wbraid, gbraid } = event.clickIds;
  if (gclid) return { gclid };
  if (wbraid) return { wbraid };
  if (gbraid) return { gbraid };
  return undefined;
}

/** Only Google's normalisations (`em_google`, `ph_e164`): Meta's `em`/`ph` hash other strings and match nothing here. */
function googleHash(event: DestinationEvent, key: 'em_google' | 'ph_e164'): string | undefined {
  const hash = event.userHashes[key]?.toLowerCase();
  return hash !== undefined && SHA256_HEX.test(hash) ? hash : undefined;
}

function ipAddressOf(event: DestinationEvent): string | undefined {
  if (!event.ip || !event.country) return undefined;
  return NO_IP_MATCHING.has(event.country.toUpperCase()) ? undefined : event.ip;
}

/**
 * One outgoing event as a conversion, or its final outcome when there is nothing to send: no ads
 * consent (the engine filters these; this is the second lock), or nothing Google could match on (an
 * event without any identifier would make Data Manager refuse the whole request with
 * NO_IDENTIFIERS_PROVIDED). A conversion action or currency Google would refuse is a dead letter
 * here rather than a refused request for the whole batch.
 */
export function prepareConversion(
  outgoing: OutgoingEvent,
  defaultConversionActionId: string,
): PreparedConversion {
  const { id, event, rule } = outgoing;
  if (event.consent.ads !== true) {
    return { kind: 'done', id, result: { kind: 'skipped', reason: 'no ads consent' } };
  }
  const clickId = clickIdOf(event);
  const hashedEmail = googleHash(event, 'em_google');
  const hashedPhone = googleHash(event, 'ph_e164');
  if (clickId === undefined && hashedEmail === undefined && hashedPhone === undefined) {
    return {
      kind: 'done',
      id,
      result: {
        kind: 'skipped',
        reason: 'no Google click id (gclid, gbraid, wbraid) and no hashed email or phone to match on',
      },
    };
  }
  const conversionActionId = rule.conversionActionId ?? defaultConversionActionId;
  if (!/^\d{1,20}$/.test(conversionActionId)) {
    return {
      kind: 'done',
      id,
      result: {
        kind: 'permanent',
        error: `conversionActionId "${conversionActionId}" of the rule "${rule.match}" is not a numeric id`,
      },
    };
  }
  const value = event.value !== null && Number.isFinite(event.value) ? event.value : undefined;
  const currency = event.currency?.toUpperCase() ?? undefined;
  if (currency !== undefined && !/^[A-Z]{3}$/.test(currency)) {
    return {
      kind: 'done',
      id,
      result: { kind: 'permanent', error: `currency "${event.currency}" is not an ISO 4217 code` },
    };
  }
  return {
    kind: 'send',
    conversion: {
      id,
      conversionActionId,
      transactionId: transactionIdOf(event),
      occurredAt: event.occurredAt,
      clickId,
      hashedEmail,
      hashedPhone,
      value,
      currency,
      userAgent: event.userAgent ?? undefined,
      ipAddress: ipAddressOf(event),
    },
  };
}
