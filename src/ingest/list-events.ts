import { Type, type TSchema } from 'typebox';
import type { Queryable } from '../db/pool.ts';
import { minimizeIp } from '../enrich/ip-address.ts';
import { AppError } from '../errors.ts';
import type { Actor } from '../tenancy/auth/access-tokens.ts';
import { getSite } from '../tenancy/sites/get-site.ts';
import { EVENT_COLUMN_TYPES, EVENT_COLUMNS, type EventRow } from './event-row.ts';

/** Columns shown to dashboard users: everything but the identifier hashes, which serve destinations only. */
const LISTED_COLUMNS = EVENT_COLUMNS.filter((column) => column !== 'user_hashes');

const camel = (column: string) =>
  column.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());

function columnSchema(type: string): TSchema {
  switch (type) {
    case 'integer':
    case 'bigint':
      return Type.Union([Type.Integer(), Type.Null()]);
    case 'numeric':
      return Type.Union([Type.Number(), Type.Null()]);
    case 'boolean':
      return Type.Union([Type.Boolean(), Type.Null()]);
    case 'timestamptz':
      return Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);
    case 'jsonb':
      return Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]);
    default:
      return Type.Union([Type.String(), Type.Null()]);
  }
}

/** A stored event as the API shows it: the columns of docs/events.md in camelCase. */
export const StoredEvent = Type.Object(
  Object.fromEntries(
    LISTED_COLUMNS.map((column) => [camel(column), columnSchema(EVENT_COLUMN_TYPES[column])]),
  ),
);

export const EventPage = Type.Object({
  events: Type.Array(StoredEvent),
  nextBefore: Type.Union([Type.String(), Type.Null()], {
    description: 'Pass as `before` for the next (older) page; null at the end',
  }),
});

/** Cursor: the last event's received time and id, so pages never skip or repeat rows with equal times. */
function encodeCursor(row: Pick<EventRow, 'received_at' | 'id'>): string {
  return Buffer.from(`${row.received_at.toISOString()}|${row.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { receivedAt: Date; id: string } {
  const [time, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const receivedAt = new Date(time ?? '');
  if (!id || Number.isNaN(receivedAt.getTime())) {
    throw new AppError('validation_failed', 'before is not a cursor from a previous page', {
      field: 'before',
    });
  }
  return { receivedAt, id };
}

/**
 * A column's value as the API shows it. The address is shown minimised, as it is stored once
 * enrichment is done: an event still pending keeps the full address for the background lookup
 * only, and no reader sees it.
 */
function shownValue(column: (typeof LISTED_COLUMNS)[number], value: unknown): unknown {
  if (column === 'ip') return typeof value === 'string' ? (minimizeIp(value) ?? null) : value;
  return value instanceof Date ? value.toISOString() : value;
}

/** The site's latest stored events, newest first. The site must belong to the actor's agency. */
export async function listEvents({
  db,
  actor,
  siteId,
  limit,
  before,
}: {
  db: Queryable;
  actor: Actor;
  siteId: string;
  limit: number;
  before?: string;
}) {
  await getSite({ db, actor, siteId });
  const cursor = before === undefined ? undefined : decodeCursor(before);
  const { rows } = await db.query<EventRow>(
    `SELECT ${LISTED_COLUMNS.join(', ')} FROM events
     WHERE site_id = $1 ${cursor ? 'AND (received_at, id) < ($3, $4)' : ''}
     ORDER BY received_at DESC, id DESC
     LIMIT $2`,
    cursor ? [siteId, limit + 1, cursor.receivedAt, cursor.id] : [siteId, limit + 1],
  );
  const page = rows.slice(0, limit);
  return {
    events: page.map((row) =>
      Object.fromEntries(LISTED_COLUMNS.map((column) => [camel(column), shownValue(column, row[column])])),
    ),
    nextBefore: rows.length > limit ? encodeCursor(page[page.length - 1]!) : null,
  };
}
