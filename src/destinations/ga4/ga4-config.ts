import { Type, type Static } from 'typebox';

/** A GA4 web stream's Measurement ID, `G-` and upper-case letters and digits (not the numeric stream id). */
export const MEASUREMENT_ID_PATTERN = '^G-[A-Z0-9]+$';

/** A GA4 destination's `config`: the web stream and one of its Measurement Protocol API secrets. */
export const Ga4Config = Type.Object(
  {
    measurementId: Type.String({
      pattern: MEASUREMENT_ID_PATTERN,
      maxLength: 32,
      description: "The web stream's Measurement ID (Admin → Data streams → the stream)",
      examples: ['G-ABC123XYZ9'],
    }),
    apiSecret: Type.String({
      minLength: 1,
      maxLength: 200,
      description:
        'A Measurement Protocol API secret of that stream (Admin → Data streams → the stream → Measurement Protocol API secrets); sealed at rest, never returned',
    }),
  },
  { additionalProperties: false },
);
export type Ga4Config = Static<typeof Ga4Config>;

/**
 * What the schema cannot say: an API secret is sent in a query string, so whitespace or control
 * characters in it are a paste error rather than a secret GA4 would ever have issued.
 */
export function validateGa4Config(config: Ga4Config): { field: string; message: string } | undefined {
  if (!new RegExp(MEASUREMENT_ID_PATTERN).test(config.measurementId)) {
    return {
      field: 'measurementId',
      message: 'must be a GA4 Measurement ID such as G-ABC123XYZ9 (not the numeric stream id)',
    };
  }
  if (!/^[\x21-\x7e]+$/.test(config.apiSecret)) {
    return { field: 'apiSecret', message: 'must be the API secret as GA4 shows it, without spaces' };
  }
  return undefined;
}
