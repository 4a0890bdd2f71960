import type { Queryable } from '../db/pool.ts';
import { newId } from '../lib/ids.ts';
import type { Actor } from '../tenancy/auth/access-tokens.ts';
import { openConfig } from './destination-secrets.ts';
import { rulesOf, storedConfigOf } from './destination-record.ts';
import type { DestinationServices } from './destination-services.ts';
import type { DestinationEvent, TestResult } from './destination-type.ts';
import { findDestinationRow, getDestinationSite, typeOfRow } from './get-destination.ts';

const TEST_TIMEOUT_MS = 15_000;

/**
 * A made-up conversion on the site's own domain, as the destination's first rule would receive it:
 * what a new destination is checked with. It carries test identifiers only, never a real visitor's.
 */
export function testEvent(domain: string, match: string | undefined, now: Date): DestinationEvent {
  const custom = match !== undefined && match !== '*' && match !== 'pageview' && match !== 'identify';
  return {
    id: newId('evt', now.getTime()),
    eventId: `beacon-test-${now.getTime()}`,
    type: custom ? 'event' : 'pageview',
    name: custom ? match : null,
    occurredAt: now,
    receivedAt: now,
    url: `https://${domain}/beacon-test`,
    referrer: null,
    title: 'Beacon test event',
    visitorId: 'beacon-test-visitor',
    sessionId: null,
    sessionStartedAt: now,
    userId: null,
    gaClientId: null,
    transactionId: `beacon-test-${now.getTime()}`,
    userAgent:
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    ip: '203.0.113.10',
    country: null,
    region: null,
    city: null,
    language: 'en',
    screen: null,
    props: { test: true },
    value: custom ? 1 : null,
    currency: custom ? 'EUR' : null,
    consent: { analytics: true, ads: true },
    // SHA-256 of "test@example.com", a reserved test address.
    userHashes: { em: '973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b' },
    clickIds: {},
    engagementMs: null,
  };
}

/**
 * Sends a test event the platform does not count (GA4's validation server, Meta's test event code,
 * Google's validateOnly; a test message to a webhook) and answers what it said. Owners and admins.
 */
export async function testDestination({
  db,
  services,
  actor,
  siteId,
  destinationId,
  log,
  now = new Date(),
}: {
  db: Queryable;
  services: DestinationServices;
  actor: Actor;
  siteId: string;
  destinationId: string;
  log: { warn(object: object, message: string): void };
  now?: Date;
}): Promise<TestResult> {
  const site = await getDestinationSite({ db, actor, siteId, access: 'manage' });
  const row = await findDestinationRow(db, siteId, destinationId);
  const type = typeOfRow(row);
  let config: Record<string, unknown>;
  try {
    config = openConfig(storedConfigOf(row), services.sealer);
  } catch {
    return {
      ok: false,
      messages: ['The credentials cannot be opened with the current BEACON_SECRET; enter them again'],
    };
  }
  return type.test(testEvent(site.domain, rulesOf(row, type)[0]?.match, now), {
    config,
    fetch: type.type === 'webhook' ? services.webhookFetch : services.fetch,
    now: () => new Date(),
    log,
    urls: services.urls,
    signal: AbortSignal.timeout(TEST_TIMEOUT_MS),
  });
}
