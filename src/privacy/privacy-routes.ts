import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Pool } from '../db/pool.ts';
import type { Enrichment } from '../enrich/index.ts';
import { AppError } from '../errors.ts';
import { actorOf, requireActor } from '../http/auth.ts';
import { errorResponses, type App } from '../http/types.ts';
import type { SharedState } from '../state/interface.ts';
import type { AccessTokens } from '../tenancy/auth/access-tokens.ts';
import { ConsentRecord } from './consent-records.ts';
import { emailSubject, type DataSubject } from './data-subject.ts';
import { Erasure } from './erasure-record.ts';
import { exportDataSubject } from './export-data-subject.ts';
import { listenForForgottenAddresses } from './forget-addresses.ts';
import { getErasure } from './get-erasure.ts';
import { recordConsent, RecordConsentInput } from './record-consent.ts';
import { requestErasure } from './request-erasure.ts';

const SiteParams = Type.Object({ siteId: Type.String({ minLength: 1, maxLength: 64 }) });
const VisitorParams = Type.Object({
  siteId: Type.String({ minLength: 1, maxLength: 64 }),
  visitorId: Type.String({ minLength: 1, maxLength: 128 }),
});
const PersonQuery = Type.Object(
  {
    email: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })),
    userId: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  },
  { additionalProperties: false },
);

const ExportDocument = {
  description:
    'JSON, streamed: `{subject, generatedAt, sites: [{siteId, siteName, visitorIds, events: [every column, deliveries: [...]], sessions, consent, companies}]}`',
  content: { 'application/json': { schema: Type.Object({}, { additionalProperties: true }) } },
};

/** Exactly one of email and userId names a person; a 400 naming `email` otherwise. */
function personOf(query: { email?: string; userId?: string }): DataSubject {
  if ((query.email === undefined) === (query.userId === undefined)) {
    throw new AppError('validation_failed', 'Give exactly one of email and userId', { field: 'email' });
  }
  return query.email !== undefined ? emailSubject(query.email) : { kind: 'user', userId: query.userId! };
}

/**
 * Data-subject rights: consent records, export (access and portability) and erasure, for one
 * visitor of a site or for a person across the agency's sites. Routes validate, call the
 * operation and let errors render in one place.
 */
export async function registerPrivacyRoutes(
  app: App,
  deps: { db: Pool; tokens: AccessTokens; state: SharedState; enrichment?: Enrichment },
) {
  const onRequest = requireActor(deps);
  const security = [{ bearerAuth: [] }];
  const tags = ['privacy'];

  if (deps.enrichment !== undefined) {
    const unsubscribe = await listenForForgottenAddresses({
      enrichment: deps.enrichment,
      pubsub: deps.state.pubsub,
    });
    app.addHook('onClose', () => unsubscribe());
  }

  const streamExport = async (subject: DataSubject, request: FastifyRequest, reply: FastifyReply) => {
    const chunks = await exportDataSubject({ db: deps.db, actor: actorOf(request), subject });
    return reply
      .header('content-type', 'application/json; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(Readable.from(chunks));
  };

  app.post(
    '/api/sites/:siteId/consent',
    {
      onRequest,
      schema: {
        tags,
        summary: "Record a visitor's consent choice from a server (members and up)",
        security,
        params: SiteParams,
        body: RecordConsentInput,
        response: { 201: ConsentRecord, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const record = await recordConsent({
        db: deps.db,
        actor: actorOf(request),
        siteId: request.params.siteId,
        input: request.body,
      });
      return reply.status(201).send(record);
    },
  );

  app.get(
    '/api/sites/:siteId/visitors/:visitorId',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Everything held about a visitor of the site, as JSON (owners and admins)',
        security,
        params: VisitorParams,
        response: { 200: ExportDocument, ...errorResponses(400, 401, 403, 404) },
      },
    },
    (request, reply) =>
      streamExport(
        { kind: 'visitor', siteId: request.params.siteId, visitorId: request.params.visitorId },
        request,
        reply,
      ),
  );

  app.get(
    '/api/data-subjects',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Everything held about a person across the agency, by email or userId (owners and admins)',
        security,
        querystring: PersonQuery,
        response: { 200: ExportDocument, ...errorResponses(400, 401, 403) },
      },
    },
    (request, reply) => streamExport(personOf(request.query), request, reply),
  );

  const erase = async (subject: DataSubject, request: FastifyRequest) =>
    requestErasure({ db: deps.db, actor: actorOf(request), subject, ip: request.ip });

  app.delete(
    '/api/sites/:siteId/visitors/:visitorId',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Erase a visitor of the site from every store, in the background (owners and admins)',
        security,
        params: VisitorParams,
        response: { 202: Erasure, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { siteId, visitorId } = request.params;
      return reply.status(202).send(await erase({ kind: 'visitor', siteId, visitorId }, request));
    },
  );

  app.delete(
    '/api/data-subjects',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Erase a person from every site of the agency, by email or userId, in the background',
        security,
        querystring: PersonQuery,
        response: { 202: Erasure, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => reply.status(202).send(await erase(personOf(request.query), request)),
  );

  app.get(
    '/api/erasures/:erasureId',
    {
      onRequest,
      schema: {
        tags,
        summary: 'An erasure: pending until the job has removed everything, then done with its counts',
        security,
        params: Type.Object({ erasureId: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 200: Erasure, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) =>
      getErasure({ db: deps.db, actor: actorOf(request), erasureId: request.params.erasureId }),
  );
}
