import { Type } from 'typebox';
import type { Pool } from '../../db/pool.ts';
import { actorOf, requireActor } from '../../http/auth.ts';
import { errorResponses, type App } from '../../http/types.ts';
import type { AccessTokens } from '../auth/access-tokens.ts';
import { deleteUser } from './delete-user.ts';
import { listUsers } from './list-users.ts';
import { ROLES } from './roles.ts';
import { SiteIds } from '../sites/site-ids.ts';
import { updateUser } from './update-user.ts';
import { MANAGED_USER_EXAMPLE, ManagedUser } from './user-record.ts';

export const UpdateUserBody = Type.Object(
  {
    role: Type.Optional(Type.Enum(ROLES, { description: 'Only owners may give or take the owner role' })),
    siteIds: Type.Optional(SiteIds),
  },
  {
    additionalProperties: false,
    examples: [
      { role: 'admin' },
      { siteIds: ['site_06gzgjmnr0jw6tbx12sers57qg', 'site_06gzgjmnr4v2xk7q9a3m1c8e5d'] },
    ],
  },
);

const UserParams = Type.Object({ userId: Type.String({ minLength: 1, maxLength: 64 }) });

export function registerUserRoutes(app: App, deps: { db: Pool; tokens: AccessTokens }) {
  const security = [{ bearerAuth: [] }];
  const onRequest = requireActor(deps);

  app.get(
    '/api/users',
    {
      onRequest,
      schema: {
        tags: ['users'],
        summary: "The agency's users with their roles and assigned sites (owner or admin)",
        security,
        response: {
          200: Type.Object(
            { users: Type.Array(ManagedUser) },
            { examples: [{ users: [MANAGED_USER_EXAMPLE] }] },
          ),
          ...errorResponses(401, 403),
        },
      },
    },
    async (request) => ({ users: await listUsers({ db: deps.db, actor: actorOf(request) }) }),
  );

  app.patch(
    '/api/users/:userId',
    {
      onRequest,
      schema: {
        tags: ['users'],
        summary: "Change a user's role or assigned sites (owner or admin; admins not on owners)",
        description:
          'An admin may neither change an owner nor make anyone owner; the last owner of an agency cannot ' +
          'be demoted (409). `siteIds` replaces the assignments.',
        security,
        params: UserParams,
        body: UpdateUserBody,
        response: { 200: ManagedUser, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      updateUser({
        db: deps.db,
        actor: actorOf(request),
        userId: request.params.userId,
        input: request.body,
        ip: request.ip,
      }),
  );

  app.delete(
    '/api/users/:userId',
    {
      onRequest,
      schema: {
        tags: ['users'],
        summary: 'Remove a user from the agency and end their sessions (owner or admin; admins not owners)',
        security,
        params: UserParams,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await deleteUser({
        db: deps.db,
        actor: actorOf(request),
        userId: request.params.userId,
        ip: request.ip,
      });
      return reply.status(204).send(null);
    },
  );
}
