import type { Conversion } from './prepare-conversion.ts';

/** Data Manager's per-request limits (google-data-manager.md §5). */
export const MAX_DESTINATIONS_PER_REQUEST = 10;
export const MAX_EVENTS_PER_REQUEST = 2000;

export interface DataManagerAccounts {
  /** Digits only. */
  customerId: string;
  loginCustomerId: string | undefined;
}

/** One `events:ingest` call: its body, and which conversion each of its events is. */
export interface IngestRequest {
  body: Record<string, unknown>;
  /** `events[i]` of the body is `conversions[i]`. */
  conversions: Conversion[];
  /** `destinations[k]` of the body is the conversion action `actionIds[k]`. */
  actionIds: string[];
}

const account = (accountId: string) => ({ accountType: 'GOOGLE_ADS', accountId });

function ingestEvent(conversion: Conversion): Record<string, unknown> {
  const identifiers = [
    ...(conversion.hashedEmail ? [{ emailAddress: conversion.hashedEmail }] : []),
    ...(conversion.hashedPhone ? [{ phoneNumber: conversion.hashedPhone }] : []),
  ];
  const deviceInfo = {
    ...(conversion.userAgent ? { userAgent: conversion.userAgent } : {}),
    ...(conversion.ipAddress ? { ipAddress: conversion.ipAddress } : {}),
  };
  return {
    destinationReferences: [conversion.conversionActionId],
    transactionId: conversion.transactionId,
    eventTimestamp: conversion.occurredAt.toISOString(),
    // Required in practice for Google Ads destinations although the schema says optional (§3.3).
    eventSource: 'WEB',
    ...(conversion.clickId ? { adIdentifiers: conversion.clickId } : {}),
    ...(identifiers.length > 0 ? { userData: { userIdentifiers: identifiers } } : {}),
    ...(conversion.value !== undefined ? { conversionValue: conversion.value } : {}),
    ...(conversion.currency ? { currency: conversion.currency } : {}),
    // Only events with ads consent reach Google Ads, and Beacon's ads consent covers both uses.
    consent: { adUserData: 'CONSENT_GRANTED', adPersonalization: 'CONSENT_GRANTED' },
    ...(Object.keys(deviceInfo).length > 0 ? { eventDeviceInfo: deviceInfo } : {}),
  };
}

/**
 * A batch as the conversions of each `events:ingest` request: a request holds at most 10
 * destinations (one per conversion action), so a batch naming more actions is split by action, and
 * at most 2,000 events. The order of events is kept within each.
 */
export function splitForIngest(conversions: readonly Conversion[]): Conversion[][] {
  const actionIds = [...new Set(conversions.map((conversion) => conversion.conversionActionId))];
  const groups: Conversion[][] = [];
  for (let start = 0; start < actionIds.length; start += MAX_DESTINATIONS_PER_REQUEST) {
    const included = new Set(actionIds.slice(start, start + MAX_DESTINATIONS_PER_REQUEST));
    const members = conversions.filter((conversion) => included.has(conversion.conversionActionId));
    for (let offset = 0; offset < members.length; offset += MAX_EVENTS_PER_REQUEST) {
      groups.push(members.slice(offset, offset + MAX_EVENTS_PER_REQUEST));
    }
  }
  return groups;
}

/**
 * The `events:ingest` request for conversions naming at most 10 actions (google-data-manager.md §3):
 * one destination per conversion action, referenced by its id, and each event pointing at its own.
 */
export function ingestRequest(
  conversions: readonly Conversion[],
  accounts: DataManagerAccounts,
  validateOnly: boolean,
): IngestRequest {
  const actionIds = [...new Set(conversions.map((conversion) => conversion.conversionActionId))];
  const events = conversions.map(ingestEvent);
  return {
    body: {
      destinations: actionIds.map((actionId) => ({
        reference: actionId,
        operatingAccount: account(accounts.customerId),
        ...(accounts.loginCustomerId ? { loginAccount: account(accounts.loginCustomerId) } : {}),
        productDestinationId: actionId,
      })),
      events,
      ...(events.some((event) => 'userData' in event) ? { encoding: 'HEX' } : {}),
      ...(validateOnly ? { validateOnly: true } : {}),
    },
    conversions: [...conversions],
    actionIds,
  };
}
