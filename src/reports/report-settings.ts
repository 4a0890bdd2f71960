import { Type, type Static } from 'typebox';
import { withTransaction, type Pool, type Queryable } from '../db/pool.ts';
import { AppError } from '../errors.ts';
import type { Actor } from '../tenancy/auth/access-tokens.ts';
import { recordAudit } from '../tenancy/audit/record-audit.ts';
import { getSite } from '../tenancy/sites/get-site.ts';

/** A report goes to a site's client contacts, not to a mailing list. */
export const MAX_REPORT_RECIPIENTS = 20;

export const ReportFrequency = Type.Union(
  [Type.Literal('off'), Type.Literal('weekly'), Type.Literal('monthly')],
  { description: 'off; weekly (the 7 days before `weekday`); monthly (the previous month, sent on the 1st)' },
);
export type ReportFrequency = Static<typeof ReportFrequency>;

const Weekday = Type.Integer({
  minimum: 1,
  maximum: 7,
  description: 'ISO weekday a weekly report is sent on, in the site’s time zone: 1 Monday … 7 Sunday',
});

const Recipients = Type.Array(Type.String({ format: 'email', maxLength: 254 }), {
  maxItems: MAX_REPORT_RECIPIENTS,
  description: `Addresses the report is mailed to (at most ${MAX_REPORT_RECIPIENTS}); stored lower-cased, once each`,
});

export const ReportSettings = Type.Object(
  { frequency: ReportFrequency, weekday: Weekday, recipients: Recipients },
  { examples: [{ frequency: 'weekly', weekday: 1, recipients: ['marketing@client.example'] }] },
);
export type ReportSettings = Static<typeof ReportSettings>;

export const UpdateReportSettingsBody = Type.Object(
  {
    frequency: Type.Optional(ReportFrequency),
    weekday: Type.Optional(Weekday),
    recipients: Type.Optional(Recipients),
  },
  { additionalProperties: false, examples: [{ frequency: 'weekly', recipients: ['cmo@client.example'] }] },
);
export type UpdateReportSettingsBody = Static<typeof UpdateReportSettingsBody>;

const DEFAULT_SETTINGS: ReportSettings = { frequency: 'off', weekday: 1, recipients: [] };

/** A site's report schedule as stored; the default (off, Monday, nobody) when never set. */
export async function findReportSettings(db: Queryable, siteId: string): Promise<ReportSettings> {
  const { rows } = await db.query<{ frequency: ReportFrequency; weekday: number; recipients: string[] }>(
    'SELECT frequency, weekday, recipients FROM report_settings WHERE site_id = $1',
    [siteId],
  );
  return rows[0] ?? DEFAULT_SETTINGS;
}

/** `GET …/report/settings`: recipients are client contacts, so only who manages the site sees them. */
export async function getReportSettings({
  db,
  actor,
  siteId,
}: {
  db: Pool;
  actor: Actor;
  siteId: string;
}): Promise<ReportSettings> {
  await getSite({ db, actor, siteId, access: 'manage' });
  return findReportSettings(db, siteId);
}

/**
 * `PATCH …/report/settings`: changes what is given. Switching a schedule on (from off) starts it
 * now, so a period that ended before is never mailed; recipients are lower-cased and kept once.
 */
export async function updateReportSettings({
  db,
  actor,
  siteId,
  ip,
  input,
}: {
  db: Pool;
  actor: Actor;
  siteId: string;
  ip: string | undefined;
  input: UpdateReportSettingsBody;
}): Promise<ReportSettings> {
  const recipients =
    input.recipients === undefined
      ? undefined
      : [...new Set(input.recipients.map((address) => address.trim().toLowerCase()))];
  return withTransaction(db, async (client) => {
    await getSite({ db: client, actor, siteId, access: 'manage' });
    const before = await findReportSettings(client, siteId);
    const after: ReportSettings = {
      frequency: input.frequency ?? before.frequency,
      weekday: input.weekday ?? before.weekday,
      recipients: recipients ?? before.recipients,
    };
    if (after.frequency !== 'off' && after.recipients.length === 0) {
      throw new AppError(
        'validation_failed',
        'recipients must name at least one address to send reports to',
        {
          field: 'recipients',
        },
      );
    }
    await client.query(
      `INSERT INTO report_settings (site_id, frequency, weekday, recipients, active_since)
       VALUES ($1, $2, $3, $4, CASE WHEN $2 <> 'off' THEN now() END)
       ON CONFLICT (site_id) DO UPDATE SET frequency = EXCLUDED.frequency, weekday = EXCLUDED.weekday,
         recipients = EXCLUDED.recipients, updated_at = now(),
         active_since = CASE
           WHEN EXCLUDED.frequency = 'off' THEN NULL
           WHEN report_settings.frequency = 'off' THEN now()
           ELSE report_settings.active_since END`,
      [siteId, after.frequency, after.weekday, after.recipients],
    );
    await recordAudit(client, {
      actor,
      action: 'report_settings.update',
      targetType: 'site',
      targetId: siteId,
      ip,
      details: { frequency: after.frequency, weekday: after.weekday, recipients: after.recipients.length },
    });
    return after;
  });
}
