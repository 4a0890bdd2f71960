import { Type } from 'typebox';
import type { Pool } from '../../db/pool.ts';
import { actorOf, requireActor } from '../../http/auth.ts';
import { errorResponses, type App } from '../../http/types.ts';
import { acceptInvitation } from './accept-invitation.ts';
import type { AccessTokens } from '../auth/access-tokens.ts';
import { answerSession, LOGIN_RATE_LIMIT, metaOf, SessionResponse } from '../auth/auth-routes.ts';
import { createInvitation } from './create-invitation.ts';
import { INVITABLE_ROLES, Invitation, INVITATION_EXAMPLE } from './invitation-record.ts';
import { listInvitations } from './list-invitations.ts';
import type { Mailer } from '../mailer.ts';
import { revokeInvitation } from './revoke-invitation.ts';
import { SiteIds } from '../sites/site-ids.ts';

export const CreateInvitationBody = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254, examples: ['new.colleague@agency.example'] }),
    role: Type.Enum(INVITABLE_ROLES, {
      description: 'Owners are made by promoting a user, not by invitation',
    }),
    siteIds: Type.Optional(SiteIds),
  },
  {
    additionalProperties: false,
    examples: [
      { email: 'new.colleague@agency.example', role: 'member', siteIds: ['site_06gzgjmnr0jw6tbx12sers57qg'] },
      {
        email: 'marketing.lead@client.example',
        role: 'viewer',
        siteIds: ['site_06gzgjmnr0jw6tbx12sers57qg'],
      },
    ],
  },
);

export const AcceptInvitationBody = Type.Object(
  {
    token: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'The one-time token from the invitation',
    }),
    password: Type.String({ minLength: 10, maxLength: 1024 }),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    cookie: Type.Optional(
      Type.Boolean({
        description:
          'Set the refresh token as an HttpOnly cookie (with a CSRF cookie) instead of returning it, as at /api/auth/login: what the dashboard does',
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        token: 'xGu5toZNNthtJ9g3qB0VIOhrIReTBqhJmn_GY841yzs',
        password: 'correct horse battery staple',
        name: 'Sam Okafor',
      },
    ],
  },
);

const CreatedInvitation = Type.Object(
  {
    ...Invitation.properties,
    token: Type.Optional(
      Type.String({
        description:
          'Only when Beacon has no mail server, and only for the instance administrator: the one-time ' +
          'token, shown this once, to hand to the invitee, who accepts it at POST /api/invitations/accept',
      }),
    ),
  },
  { examples: [INVITATION_EXAMPLE] },
);

const InvitationParams = Type.Object({ invitationId: Type.String({ minLength: 1, maxLength: 64 }) });

export function registerInvitationRoutes(
  app: App,
  deps: { db: Pool; tokens: AccessTokens; mailer: Mailer; publicUrl: string },
) {
  const security = [{ bearerAuth: [] }];
  const onRequest = requireActor(deps);

  app.post(
    '/api/invitations',
    {
      onRequest,
      schema: {
        tags: ['invitations'],
        summary:
          'Invite someone into the agency; they receive a one-time token valid for 7 days (owner or admin)',
        description:
          'Without a mail server (no SMTP_URL) only the instance administrator can invite: the answer ' +
          'then carries the token to hand over. Others get 503.',
        security,
        body: CreateInvitationBody,
        response: { 201: CreatedInvitation, ...errorResponses(400, 401, 403, 409, 503) },
      },
    },
    async (request, reply) => {
      const invitation = await createInvitation({
        db: deps.db,
        mailer: deps.mailer,
        publicUrl: deps.publicUrl,
        actor: actorOf(request),
        input: request.body,
        ip: request.ip,
      });
      return reply.status(201).send(invitation);
    },
  );

  app.get(
    '/api/invitations',
    {
      onRequest,
      schema: {
        tags: ['invitations'],
        summary: "The agency's pending invitations (owner or admin)",
        security,
        response: {
          200: Type.Object(
            { invitations: Type.Array(Invitation) },
            { examples: [{ invitations: [INVITATION_EXAMPLE] }] },
          ),
          ...errorResponses(401, 403),
        },
      },
    },
    async (request) => ({ invitations: await listInvitations({ db: deps.db, actor: actorOf(request) }) }),
  );

  app.delete(
    '/api/invitations/:invitationId',
    {
      onRequest,
      schema: {
        tags: ['invitations'],
        summary: 'Revoke a pending invitation (owner or admin)',
        security,
        params: InvitationParams,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await revokeInvitation({
        db: deps.db,
        actor: actorOf(request),
        invitationId: request.params.invitationId,
        ip: request.ip,
      });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/invitations/accept',
    {
      config: { rateLimit: LOGIN_RATE_LIMIT },
      schema: {
        tags: ['invitations'],
        summary: 'Accept an invitation: creates the account and signs it in (no authentication)',
        description: 'Single use. An invalid, expired, revoked or used token answers 400 naming `token`.',
        body: AcceptInvitationBody,
        response: { 200: SessionResponse, ...errorResponses(400, 409, 429) },
      },
    },
    async (request, reply) => {
      const { cookie, ...input } = request.body;
      const session = await acceptInvitation({
        db: deps.db,
        tokens: deps.tokens,
        input,
        meta: metaOf(request),
      });
      return answerSession(reply, session, cookie === true);
    },
  );
}
