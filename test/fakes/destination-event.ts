import type { DestinationEvent } from '../../src/destinations/destination-type.ts';

/**
 * A stored event as destinations get it, for platform tests: a purchase by a consenting visitor
 * who landed from an ad; override what a test is about.
 */
export function destinationEvent(overrides: Partial<DestinationEvent> = {}): DestinationEvent {
  const occurredAt = overrides.occurredAt ?? new Date(Date.now() - 60_000);
  return {
    id: 'evt_06h47n9dgmdc178bpw2n8mqr5g',
    eventId: 'order-2026-12-0042',
    type: 'event',
    name: 'purchase',
    occurredAt,
    receivedAt: occurredAt,
    url: 'https://shop.example/checkout/thank-you',
    referrer: 'https://shop.example/checkout',
    title: 'Thank you',
    visitorId: 'b7e1c9d2-4f3a-4e8b-a6c5-0d9f2e1b3a77',
    sessionId: 'ses_06h47n9d03txgc8vxve8gpt4kr',
    sessionStartedAt: new Date(occurredAt.getTime() - 5 * 60_000),
    userId: 'crm-58213',
    gaClientId: '1234567890.1700000000',
    transactionId: 'order-42',
    userAgent:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    ip: '81.2.69.160',
    country: 'GB',
    region: 'England',
    city: 'London',
    language: 'en-GB',
    screen: { width: 1920, height: 1080 },
    props: { plan: 'team', seats: 12 },
    value: 1188,
    currency: 'EUR',
    consent: { analytics: true, ads: true },
    userHashes: {
      // john_smith@gmail.com and +1 650 555 1212, as src/ingest/user-hashes.ts stores them.
      em: '62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f',
      ph: 'e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176',
    },
    clickIds: {
      gclid: 'EAIaIQobChMI_example',
      fbc: 'fb.1.1764900000000.IwAR2example',
      fbp: 'fb.1.1764800000000.1234567890',
    },
    engagementMs: null,
    ...overrides,
  };
}
