import type { Queryable } from '../db/pool.ts';
import { AppError } from '../errors.ts';
import type { Actor } from '../tenancy/auth/access-tokens.ts';
import { getSite } from '../tenancy/sites/get-site.ts';
import type { Site } from '../tenancy/sites/site-record.ts';
import type { SiteAccess } from '../tenancy/users/roles.ts';
import {
  DESTINATION_COLUMNS,
  toDestination,
  type Destination,
  type DestinationRow,
} from './destination-record.ts';
import type { DestinationType } from './destination-type.ts';
import { destinationTypeOf } from './registry.ts';

/**
 * The site, if the actor may see its destinations: they hold forwarding settings and credentials,
 * so a client viewer may not (403); members read their sites' destinations; changes need `manage`.
 */
export async function getDestinationSite({
  db,
  actor,
  siteId,
  access,
}: {
  db: Queryable;
  actor: Actor;
  siteId: string;
  access: Exclude<SiteAccess, 'read'>;
}): Promise<Site> {
  const site = await getSite({ db, actor, siteId });
  if (access === 'write' && actor.role === 'viewer') {
    throw new AppError('forbidden', 'Your role (viewer) may not see the destinations of this site');
  }
  if (access === 'manage') await getSite({ db, actor, siteId, access });
  return site;
}

export function typeOfRow(row: Pick<DestinationRow, 'type'>): DestinationType {
  const type = destinationTypeOf(row.type);
  if (type === undefined) throw new Error(`destination type ${row.type} is not known to this Beacon`);
  return type;
}

/** A destination of a site the actor may reach; another site's, or none, is 404. */
export async function findDestinationRow(
  db: Queryable,
  siteId: string,
  destinationId: string,
  lock = false,
): Promise<DestinationRow> {
  const { rows } = await db.query<DestinationRow>(
    `SELECT ${DESTINATION_COLUMNS} FROM destinations WHERE site_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`,
    [siteId, destinationId],
  );
  if (rows[0] === undefined) {
    throw new AppError('not_found', 'Destination not found', { field: 'destinationId' });
  }
  return rows[0];
}

export async function getDestination({
  db,
  actor,
  siteId,
  destinationId,
}: {
  db: Queryable;
  actor: Actor;
  siteId: string;
  destinationId: string;
}): Promise<Destination> {
  await getDestinationSite({ db, actor, siteId, access: 'write' });
  const row = await findDestinationRow(db, siteId, destinationId);
  return toDestination(row, typeOfRow(row));
}
