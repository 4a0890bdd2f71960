import { Type, type Static } from 'typebox';

const Size = Type.Object({
  w: Type.Integer({ minimum: 0, maximum: 100_000 }),
  h: Type.Integer({ minimum: 0, maximum: 100_000 }),
});

/** Milliseconds since the epoch, between 2000 and 2100: anything else is a broken clock or garbage. */
const EpochMs = Type.Integer({ minimum: 946_684_800_000, maximum: 4_102_444_800_000 });

/** A page view as beacon.js sends it, and a purchase sent server-side: examples in the OpenAPI document. */
const PAGEVIEW_EXAMPLE = {
  site: 'pk_demk94393n4m5z4q',
  type: 'pageview',
  url: 'https://www.acme.example/pricing?utm_source=newsletter&utm_medium=email&utm_campaign=spring-launch',
  referrer: 'https://mail.example.net/',
  title: 'Pricing | Acme',
  eventId: '3f6c2b1e-8d4a-4c7e-9b2f-5a1d0e7c6b84',
  ts: 1795166995000,
  screen: { w: 1920, h: 1080 },
  viewport: { w: 1440, h: 900 },
  lang: 'en-GB',
  tz: 'Europe/London',
  consent: { analytics: true, ads: false },
  visitorId: 'b7e1c9d2-4f3a-4e8b-a6c5-0d9f2e1b3a77',
};
const PURCHASE_EXAMPLE = {
  site: 'pk_demk94393n4m5z4q',
  type: 'event',
  name: 'purchase',
  url: 'https://www.acme.example/checkout/thank-you',
  eventId: 'order-2026-11-0042',
  ts: 1795167012000,
  props: { plan: 'team', seats: 12 },
  value: 1188,
  currency: 'EUR',
  transactionId: 'order-2026-11-0042',
  consent: { analytics: true, ads: true },
  visitorId: 'b7e1c9d2-4f3a-4e8b-a6c5-0d9f2e1b3a77',
  user: { email: 'buyer@client.example' },
  fbp: 'fb.1.1795160000000.1234567890',
};

/**
 * One event as the tracker or a server-side caller sends it (DESIGN.md, "HTTP"). Unknown fields are
 * ignored rather than refused, so older Beacons accept newer trackers.
 */
export const TrackEvent = Type.Object(
  {
    // Looked up in PostgreSQL before the pipeline's checks run. Keys are `pk_` and base32; the pattern
    // refuses a NUL, which would fail the lookup with a 500, as a 400.
    site: Type.String({
      minLength: 1,
      maxLength: 64,
      pattern: '^[A-Za-z0-9_-]+$',
      description: 'Public site key (data-site)',
    }),
    type: Type.Union(
      [Type.Literal('pageview'), Type.Literal('event'), Type.Literal('identify'), Type.Literal('consent')],
      {
        description:
          "`consent` records the visitor's choice in `consent` (with Sec-GPC: 1, an opt-out of both) and stores no event",
      },
    ),
    name: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'Required for type "event"' }),
    ),
    url: Type.Optional(Type.String({ maxLength: 16_384 })),
    referrer: Type.Optional(Type.String({ maxLength: 16_384 })),
    title: Type.Optional(Type.String({ maxLength: 8192, description: 'Stored up to 1024 characters' })),
    eventId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        pattern: '^[A-Za-z0-9_.:-]+$',
        description: 'Deduplicated per site',
      }),
    ),
    visitorId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    sessionId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    userId: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    ts: Type.Optional(EpochMs),
    sentAt: Type.Optional(EpochMs),
    props: Type.Optional(Type.Object({}, { additionalProperties: true, maxProperties: 50 })),
    screen: Type.Optional(Size),
    viewport: Type.Optional(Size),
    lang: Type.Optional(Type.String({ maxLength: 35 })),
    tz: Type.Optional(Type.String({ maxLength: 64 })),
    consent: Type.Optional(
      Type.Object({ analytics: Type.Optional(Type.Boolean()), ads: Type.Optional(Type.Boolean()) }),
    ),
    value: Type.Optional(Type.Number({ minimum: -1e12, maximum: 1e12 })),
    currency: Type.Optional(Type.String({ pattern: '^[A-Za-z]{3}$' })),
    user: Type.Optional(
      Type.Object({
        email: Type.Optional(Type.String({ maxLength: 254 })),
        phone: Type.Optional(Type.String({ maxLength: 32 })),
      }),
    ),
    fbp: Type.Optional(Type.String({ maxLength: 256 })),
    fbc: Type.Optional(Type.String({ maxLength: 512 })),
    gaClientId: Type.Optional(
      Type.String({
        pattern: '^[0-9]{1,20}\\.[0-9]{1,20}$',
        description:
          "The `_ga` cookie's client id (`1234567890.1700000000`); kept only with analytics consent",
      }),
    ),
    transactionId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        description:
          "A conversion's order id, forwarded as GA4 transaction_id, Meta order_id, Google Ads transactionId",
      }),
    ),
    webdriver: Type.Optional(Type.Boolean()),
  },
  {
    additionalProperties: true,
    examples: [
      PAGEVIEW_EXAMPLE,
      PURCHASE_EXAMPLE,
      {
        site: 'pk_demk94393n4m5z4q',
        type: 'identify',
        url: 'https://www.acme.example/signup/done',
        userId: 'crm-58213',
        user: { email: 'jordan.lee@client.example' },
        props: { company: 'Client Co', plan: 'trial' },
        consent: { analytics: true, ads: false },
      },
    ],
  },
);
export type TrackEvent = Static<typeof TrackEvent>;

export const MAX_BATCH_EVENTS = 500;

export const TrackBatch = Type.Object(
  {
    events: Type.Array(TrackEvent, { minItems: 1, maxItems: MAX_BATCH_EVENTS }),
    sentAt: Type.Optional(EpochMs),
  },
  { examples: [{ events: [PAGEVIEW_EXAMPLE, PURCHASE_EXAMPLE], sentAt: 1795167013000 }] },
);
export type TrackBatch = Static<typeof TrackBatch>;
