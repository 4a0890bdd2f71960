import type { Conversion } from './prepare-conversion.ts';

/**
 * The Google Ads API version of the legacy upload. Google retires a version about a year after its
 * release; when it does, calls answer 404 and this constant moves to a current one.
 */
export const GOOGLE_ADS_API_VERSION = 'v25';

/** ClickConversion takes at most 5 user identifiers (external-apis.md, Google Ads). */
const MAX_USER_IDENTIFIERS = 5;

export interface LegacyAccounts {
  /** Digits only. */
  customerId: string;
  loginCustomerId: string | undefined;
  developerToken: string;
}

export interface UploadRequest {
  /** Relative to GOOGLE_ADS_URL. */
  path: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  /** `conversions[i]` of the body is `conversions[i]` here. */
  conversions: Conversion[];
}

const pad = (value: number) => String(value).padStart(2, '0');

/** `yyyy-mm-dd hh:mm:ss+00:00`: the legacy format wants the offset, and UTC says it plainly. */
export function conversionDateTime(at: Date): string {
  return (
    `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())} ` +
    `${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())}+00:00`
  );
}

function clickConversion(conversion: Conversion, customerId: string): Record<string, unknown> {
  const userIdentifiers = [
    ...(conversion.hashedEmail
      ? [{ userIdentifierSource: 'FIRST_PARTY', hashedEmail: conversion.hashedEmail }]
      : []),
    ...(conversion.hashedPhone
      ? [{ userIdentifierSource: 'FIRST_PARTY', hashedPhoneNumber: conversion.hashedPhone }]
      : []),
  ].slice(0, MAX_USER_IDENTIFIERS);
  return {
    ...conversion.clickId,
    conversionAction: `customers/${customerId}/conversionActions/${conversion.conversionActionId}`,
    conversionDateTime: conversionDateTime(conversion.occurredAt),
    orderId: conversion.transactionId,
    ...(conversion.value !== undefined ? { conversionValue: conversion.value } : {}),
    ...(conversion.currency ? { currencyCode: conversion.currency } : {}),
    ...(userIdentifiers.length > 0 ? { userIdentifiers } : {}),
    // The legacy enum has no CONSENT_ prefix; ad_personalization cannot be set on click conversions.
    consent: { adUserData: 'GRANTED' },
  };
}

/**
 * `uploadClickConversions` (external-apis.md, "3. Google Ads API"), with `partialFailure: true` as
 * Google requires: good conversions are applied, bad ones come back with their index. The user's
 * address is not sent: `userIpAddress` is the address at the ad click's landing, which a later
 * conversion event does not know.
 */
export function buildUploadRequest(
  conversions: readonly Conversion[],
  accounts: LegacyAccounts,
  { validateOnly = false }: { validateOnly?: boolean } = {},
): UploadRequest {
  return {
    path: `/${GOOGLE_ADS_API_VERSION}/customers/${accounts.customerId}:uploadClickConversions`,
    headers: {
      'developer-token': accounts.developerToken,
      ...(accounts.loginCustomerId ? { 'login-customer-id': accounts.loginCustomerId } : {}),
    },
    body: {
      conversions: conversions.map((conversion) => clickConversion(conversion, accounts.customerId)),
      partialFailure: true,
      ...(validateOnly ? { validateOnly: true } : {}),
    },
    conversions: [...conversions],
  };
}
