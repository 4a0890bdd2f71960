import { Type, type Static } from 'typebox';
import type { Queryable } from '../db/pool.ts';
import { AppError } from '../errors.ts';
import type { Actor } from '../tenancy/auth/access-tokens.ts';
import { getSite } from '../tenancy/sites/get-site.ts';
import { HistorySession, listCompanyHistory, type VisitPosition } from './company-history.ts';
import { findCompany } from './get-company.ts';

export const ListCompanyVisitsQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 50, default: 20 }),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);
export type ListCompanyVisitsQuery = Static<typeof ListCompanyVisitsQuery>;

export const CompanyVisitPage = Type.Object({
  visits: Type.Array(HistorySession, { description: 'Newest first' }),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor`; null at the end' }),
});
export type CompanyVisitPage = Static<typeof CompanyVisitPage>;

/** What Date.toISOString writes, and session ids (prefixed base32 or a client's own, as stored). */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const SESSION_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * A session's start is its first event's time, a JavaScript Date (src/ingest/sessions.ts), so
 * milliseconds hold it exactly and the next page starts right below the last session shown.
 */
export function encodeVisitCursor(position: VisitPosition): string {
  return Buffer.from(JSON.stringify([position.startedAt.toISOString(), position.id])).toString('base64url');
}

/** The position a previous page ended at; a cursor that is not one is a 400 naming `cursor`. */
export function decodeVisitCursor(text: string): VisitPosition {
  const invalid = new AppError('validation_failed', 'cursor is not a nextCursor from a previous page', {
    field: 'cursor',
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw invalid;
  const [startedAt, id] = parsed as unknown[];
  if (typeof startedAt !== 'string' || !ISO_INSTANT.test(startedAt)) throw invalid;
  const instant = new Date(startedAt);
  if (Number.isNaN(instant.getTime()) || instant.toISOString() !== startedAt) throw invalid;
  if (typeof id !== 'string' || !SESSION_ID.test(id)) throw invalid;
  return { startedAt: instant, id };
}

/**
 * A company's visits a page at a time, newest first, for a timeline that goes back further than the
 * latest 50 the company itself carries. Readers of the site may list them (viewers too).
 */
export async function listCompanyVisits({
  db,
  actor,
  siteId,
  companyId,
  input,
}: {
  db: Queryable;
  actor: Actor;
  siteId: string;
  companyId: string;
  input: ListCompanyVisitsQuery;
}): Promise<CompanyVisitPage> {
  await getSite({ db, actor, siteId });
  const company = await findCompany(db, siteId, companyId);
  if (company === undefined) throw new AppError('not_found', 'Company not found', { field: 'companyId' });
  const before = input.cursor === undefined ? undefined : decodeVisitCursor(input.cursor);
  const visits = await listCompanyHistory({
    db,
    siteId,
    domain: company.domain,
    limit: input.limit + 1,
    before,
  });
  const page = visits.slice(0, input.limit);
  const last = page[page.length - 1];
  return {
    visits: page,
    nextCursor:
      visits.length > input.limit && last !== undefined
        ? encodeVisitCursor({ startedAt: new Date(last.startedAt), id: last.id })
        : null,
  };
}
