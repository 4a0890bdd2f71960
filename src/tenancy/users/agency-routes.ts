import { Type } from 'typebox';
import type { Pool } from '../../db/pool.ts';
import { AppError } from '../../errors.ts';
import { actorOf, requireActor } from '../../http/auth.ts';
import { errorResponses, type App } from '../../http/types.ts';
import type { AccessTokens } from '../auth/access-tokens.ts';
import { Agency, User, USER_EXAMPLE } from './agency-record.ts';
import { createAgency } from './create-agency.ts';
import { currentActor } from './current-actor.ts';

export const CreateAgencyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, examples: ['Northwind Digital'] }),
    owner: Type.Object({
      email: Type.String({ format: 'email', maxLength: 254 }),
      password: Type.String({ minLength: 10, maxLength: 1024 }),
      name: Type.Optional(Type.String({ maxLength: 200 })),
    }),
  },
  {
    examples: [
      {
        name: 'Northwind Digital',
        owner: {
          email: 'owner@agency.example',
          password: 'correct horse battery staple',
          name: 'Dana Whitfield',
        },
      },
    ],
  },
);

const CreatedAgency = Type.Object(
  { ...Agency.properties, owner: User },
  {
    examples: [
      {
        id: 'agency_06gzgjmnr1k8aq2ztkcnfr68br',
        name: 'Northwind Digital',
        createdAt: '2026-11-20T09:30:00.000Z',
        owner: USER_EXAMPLE,
      },
    ],
  },
);

export function registerAgencyRoutes(app: App, deps: { db: Pool; tokens: AccessTokens }) {
  app.post(
    '/api/agencies',
    {
      onRequest: requireActor(deps),
      schema: {
        tags: ['agencies'],
        summary: 'Create an agency with its first owner (instance administrator only)',
        security: [{ bearerAuth: [] }],
        body: CreateAgencyBody,
        response: {
          201: CreatedAgency,
          ...errorResponses(400, 401, 403, 409),
        },
      },
    },
    async (request, reply) => {
      if (!(await currentActor(deps.db, actorOf(request))).isInstanceAdmin) {
        throw new AppError('forbidden', 'Only the instance administrator may create agencies');
      }
      const { agency, owner } = await createAgency({ db: deps.db, input: request.body });
      return reply.status(201).send({ ...agency, owner });
    },
  );
}
