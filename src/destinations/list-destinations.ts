import type { Queryable } from '../db/pool.ts';
import type { Actor } from '../tenancy/auth/access-tokens.ts';
import {
  DESTINATION_COLUMNS,
  toDestination,
  type Destination,
  type DestinationRow,
} from './destination-record.ts';
import { getDestinationSite, typeOfRow } from './get-destination.ts';

export async function listDestinations({
  db,
  actor,
  siteId,
}: {
  db: Queryable;
  actor: Actor;
  siteId: string;
}): Promise<Destination[]> {
  await getDestinationSite({ db, actor, siteId, access: 'write' });
  const { rows } = await db.query<DestinationRow>(
    `SELECT ${DESTINATION_COLUMNS} FROM destinations WHERE site_id = $1 ORDER BY created_at, id`,
    [siteId],
  );
  return rows.map((row) => toDestination(row, typeOfRow(row)));
}
