import { Type, type Static } from 'typebox';

const Size = Type.Object({
  w: Type.Integer({ minimum: 0, maximum: 100_000 }),
  h: Type.Integer({ minimum: 0, maximum: 100_000 }),
});

/** Milliseconds since the epoch, between 2000 and 2100: anything else is a broken clock or garbage. */
const EpochMs = Type.Integer({ minimum: 946_684_800_000, maximum: 4_102_444_800_000 });

/**
 * One event as the tracker or a server-side caller sends it (DESIGN.md, "HTTP"). Unknown fields are
 * ignored rather than refused, so older Beacons accept newer trackers.
 */
export const TrackEvent = Type.Object(
  {
    site: Type.String({ minLength: 1, maxLength: 64, description: 'Public site key (data-site)' }),
    type: Type.Union([Type.Literal('pageview'), Type.Literal('event'), Type.Literal('identify')]),
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
    webdriver: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true },
);
export type TrackEvent = Static<typeof TrackEvent>;

export const MAX_BATCH_EVENTS = 500;

export const TrackBatch = Type.Object({
  events: Type.Array(TrackEvent, { minItems: 1, maxItems: MAX_BATCH_EVENTS }),
  sentAt: Type.Optional(EpochMs),
});
export type TrackBatch = Static<typeof TrackBatch>;
