import { Type, type Static } from 'typebox';
import type { Queryable } from '../db/pool.ts';
import { AppError } from '../errors.ts';
import { newId } from '../lib/ids.ts';
import type { Actor } from '../tenancy/auth/access-tokens.ts';
import { getSite } from '../tenancy/sites/get-site.ts';
import {
  insertConsentRecords,
  toConsentRecord,
  type ConsentRecord,
  type ConsentRecordRow,
} from './consent-records.ts';

export const RecordConsentInput = Type.Object(
  {
    visitorId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    userId: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    analytics: Type.Optional(Type.Boolean()),
    ads: Type.Optional(Type.Boolean()),
    source: Type.Optional(
      Type.Union([Type.Literal('banner'), Type.Literal('gpc'), Type.Literal('api')], {
        description:
          'Where the choice was made: `api` (default) for a choice your server holds, `banner` for a consent banner whose choices your server relays, `gpc` for a Global Privacy Control signal (both purposes off)',
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      { visitorId: 'b7e1c9d2-4f3a-4e8b-a6c5-0d9f2e1b3a77', userId: 'crm-58213', analytics: true, ads: false },
    ],
  },
);
export type RecordConsentInput = Static<typeof RecordConsentInput>;

/**
 * Records a visitor's consent choice sent by a server (a CMP's webhook, a CRM): whoever may change
 * the site's data (members and up, read+write API keys). Global Privacy Control is an opt-out of
 * both purposes, whatever else the body says.
 */
export async function recordConsent({
  db,
  actor,
  siteId,
  input,
  now = new Date(),
}: {
  db: Queryable;
  actor: Actor;
  siteId: string;
  input: RecordConsentInput;
  now?: Date;
}): Promise<ConsentRecord> {
  await getSite({ db, actor, siteId, access: 'write' });
  if (input.visitorId === undefined && input.userId === undefined) {
    throw new AppError('validation_failed', 'visitorId or userId is required', { field: 'visitorId' });
  }
  const source = input.source ?? 'api';
  if (source !== 'gpc' && input.analytics === undefined && input.ads === undefined) {
    throw new AppError('validation_failed', 'analytics or ads is required', { field: 'analytics' });
  }
  const row: ConsentRecordRow = {
    id: newId('cns', now.getTime()),
    site_id: siteId,
    visitor_id: input.visitorId ?? null,
    user_id: input.userId ?? null,
    analytics: source === 'gpc' ? false : (input.analytics ?? null),
    ads: source === 'gpc' ? false : (input.ads ?? null),
    source,
    recorded_at: now,
  };
  await insertConsentRecords(db, [row]);
  return toConsentRecord(row);
}
