import { Type } from 'typebox';
import type { Pool } from '../../db/pool.ts';
import { actorOf, requireActor } from '../../http/auth.ts';
import { errorResponses, type App } from '../../http/types.ts';
import type { AccessTokens } from '../auth/access-tokens.ts';
import { API_KEY_EXAMPLE, API_KEY_SCOPES, ApiKey } from './api-key-record.ts';
import { createApiKey } from './create-api-key.ts';
import { listApiKeys } from './list-api-keys.ts';
import { revokeApiKey } from './revoke-api-key.ts';

export const CreateApiKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, examples: ['Nightly reporting export'] }),
    scopes: Type.Array(Type.Enum(API_KEY_SCOPES), {
      minItems: 1,
      maxItems: 2,
      uniqueItems: true,
      description:
        "['read'] acts as a viewer of every site; ['read', 'write'] as an admin. Never users or keys.",
      examples: [['read'], ['read', 'write']],
    }),
    expiresAt: Type.Optional(
      Type.String({ format: 'date-time', description: 'Absent: the key does not expire' }),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      { name: 'Nightly reporting export', scopes: ['read'] },
      { name: 'CRM sync (Q1 campaign)', scopes: ['read', 'write'], expiresAt: '2027-03-31T23:59:59.000Z' },
    ],
  },
);

const CreatedApiKey = Type.Object(
  {
    ...ApiKey.properties,
    key: Type.String({
      description: 'Send as `Authorization: Bearer <key>`. Shown only once.',
      examples: ['bk_7f3k9q2mz0a1b2c3d4e5f6g7h8j9k0m1'],
    }),
  },
  {
    examples: [{ ...API_KEY_EXAMPLE, lastUsedAt: null, key: 'bk_rb3mvf4sny5basycbg0zr40wyrhfr9xm' }],
  },
);

export function registerApiKeyRoutes(app: App, deps: { db: Pool; tokens: AccessTokens }) {
  const security = [{ bearerAuth: [] }];
  const onRequest = requireActor(deps);

  app.post(
    '/api/api-keys',
    {
      onRequest,
      schema: {
        tags: ['api-keys'],
        summary: 'Create a management API key; the key is in this response only (owner or admin)',
        security,
        body: CreateApiKeyBody,
        response: { 201: CreatedApiKey, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const created = await createApiKey({
        db: deps.db,
        actor: actorOf(request),
        input: request.body,
        ip: request.ip,
      });
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/api/api-keys',
    {
      onRequest,
      schema: {
        tags: ['api-keys'],
        summary: "The agency's API keys that are not revoked, without secrets (owner or admin)",
        security,
        response: {
          200: Type.Object({ apiKeys: Type.Array(ApiKey) }, { examples: [{ apiKeys: [API_KEY_EXAMPLE] }] }),
          ...errorResponses(401, 403),
        },
      },
    },
    async (request) => ({ apiKeys: await listApiKeys({ db: deps.db, actor: actorOf(request) }) }),
  );

  app.delete(
    '/api/api-keys/:apiKeyId',
    {
      onRequest,
      schema: {
        tags: ['api-keys'],
        summary: 'Revoke an API key: it answers 401 from the next request on (owner or admin)',
        security,
        params: Type.Object({ apiKeyId: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await revokeApiKey({
        db: deps.db,
        actor: actorOf(request),
        apiKeyId: request.params.apiKeyId,
        ip: request.ip,
      });
      return reply.status(204).send(null);
    },
  );
}
