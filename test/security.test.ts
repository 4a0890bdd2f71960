import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessTokens } from '../src/tenancy/auth/access-tokens.ts';
import { addUser, createTenant, loginAs, useTestApp, type TestTenant } from './helpers.ts';
import { PNG_1PX } from './images.ts';

/**
 * The shared security suite: walks every authenticated route of the OpenAPI document and plays each
 * attacker against it — no token, a garbage token, an expired token, another agency's owner, a client
 * viewer writing, a member outside their sites, a non-administrator on instance routes. A route
 * missing from ROUTES fails the suite, so a new route cannot ship without being walked.
 */
const context = useTestApp();

/**
 * site: a site's data; settings: a site's forwarding settings and its visitors' personal data
 * (client viewers see nothing); agency: agency-wide lists and writes; manage: users, invitations,
 * keys, data subjects across the agency (owner/admin); instance: the administrator; self: the
 * caller's own account.
 */
type Scope = 'site' | 'settings' | 'agency' | 'manage' | 'instance' | 'self';
interface RouteCase {
  scope: Scope;
  /** A valid body, so role checks are reached rather than validation errors. */
  body?: () => Record<string, unknown>;
  /** A valid query string, for the same reason. */
  query?: string;
  /** A POST that changes nothing of the site (a live-feed ticket, a funnel query): whoever reads the site may call it. */
  reads?: true;
}

const REPORT_RANGE = 'from=2026-11-01&to=2026-11-30';

const unique = () => Math.random().toString(36).slice(2, 10);
const FUNNEL_STEPS = [{ page: '/pricing' }, { event: 'signup' }];

const ROUTES: Record<string, RouteCase> = {
  'GET /api/auth/me': { scope: 'self' },
  'POST /api/agencies': {
    scope: 'instance',
    body: () => ({
      name: 'Attacker agency',
      owner: { email: `x-${unique()}@test.example`, password: 'long enough password' },
    }),
  },
  'POST /api/sites': { scope: 'agency', body: () => ({ name: 'Attacker site', domain: 'attacker.example' }) },
  'GET /api/sites': { scope: 'agency' },
  'GET /api/sites/{siteId}': { scope: 'site' },
  'PATCH /api/sites/{siteId}': { scope: 'site', body: () => ({ name: 'Defaced' }) },
  'DELETE /api/sites/{siteId}': { scope: 'site' },
  'GET /api/sites/deleted': { scope: 'manage' },
  'POST /api/sites/{siteId}/restore': { scope: 'site' },
  'GET /api/sites/{siteId}/events': { scope: 'site' },
  'GET /api/audit-log': { scope: 'agency' },
  'GET /api/admin/enrichment/stats': { scope: 'instance' },
  'GET /api/users': { scope: 'manage' },
  'PATCH /api/users/{userId}': { scope: 'manage', body: () => ({ role: 'viewer' }) },
  'DELETE /api/users/{userId}': { scope: 'manage' },
  'POST /api/invitations': {
    scope: 'manage',
    body: () => ({ email: `i-${unique()}@test.example`, role: 'viewer' }),
  },
  'GET /api/invitations': { scope: 'manage' },
  'DELETE /api/invitations/{invitationId}': { scope: 'manage' },
  'POST /api/api-keys': { scope: 'manage', body: () => ({ name: 'k', scopes: ['read', 'write'] }) },
  'GET /api/api-keys': { scope: 'manage' },
  'DELETE /api/api-keys/{apiKeyId}': { scope: 'manage' },
  'GET /api/sites/{siteId}/companies': { scope: 'site' },
  'GET /api/sites/{siteId}/companies.csv': { scope: 'site' },
  'GET /api/sites/{siteId}/companies/{companyId}': { scope: 'site' },
  'GET /api/sites/{siteId}/companies/{companyId}/visits': { scope: 'site' },
  'POST /api/sites/{siteId}/companies/{companyId}/hide': { scope: 'site' },
  'POST /api/sites/{siteId}/companies/{companyId}/unhide': { scope: 'site' },
  'POST /api/sites/{siteId}/destinations': {
    scope: 'settings',
    body: () => ({ type: 'webhook', config: { url: 'https://hooks.attacker.example/x' } }),
  },
  'GET /api/sites/{siteId}/destinations': { scope: 'settings' },
  'GET /api/sites/{siteId}/destinations/health': { scope: 'settings' },
  'GET /api/sites/{siteId}/destinations/{destinationId}': { scope: 'settings' },
  'PATCH /api/sites/{siteId}/destinations/{destinationId}': {
    scope: 'settings',
    body: () => ({ enabled: false }),
  },
  'DELETE /api/sites/{siteId}/destinations/{destinationId}': { scope: 'settings' },
  'POST /api/sites/{siteId}/destinations/{destinationId}/test': { scope: 'settings' },
  'GET /api/sites/{siteId}/destinations/{destinationId}/deliveries': { scope: 'settings' },
  'POST /api/sites/{siteId}/destinations/{destinationId}/deliveries/replay': {
    scope: 'settings',
    body: () => ({}),
  },
  'GET /api/sites/{siteId}/stats/overview': { scope: 'site', query: REPORT_RANGE },
  'GET /api/sites/{siteId}/stats/timeseries': { scope: 'site', query: REPORT_RANGE },
  'GET /api/sites/{siteId}/stats/breakdown': { scope: 'site', query: `${REPORT_RANGE}&dimension=page` },
  'GET /api/sites/{siteId}/stats/breakdown.csv': {
    scope: 'site',
    query: `${REPORT_RANGE}&dimension=company`,
  },
  'GET /api/sites/{siteId}/stats/retention': { scope: 'site', query: `${REPORT_RANGE}&weeks=4` },
  'GET /api/sites/{siteId}/goals': { scope: 'site' },
  'POST /api/sites/{siteId}/goals': { scope: 'site', body: () => ({ eventName: `signup-${unique()}` }) },
  'DELETE /api/sites/{siteId}/goals/{goalId}': { scope: 'site' },
  'GET /api/sites/{siteId}/stats/realtime': { scope: 'site' },
  'POST /api/sites/{siteId}/live/ticket': { scope: 'site', reads: true },
  'POST /api/sites/{siteId}/funnels/query': {
    scope: 'site',
    reads: true,
    body: () => ({ steps: FUNNEL_STEPS, from: '2026-11-01', to: '2026-11-30' }),
  },
  'GET /api/sites/{siteId}/funnels': { scope: 'site' },
  'POST /api/sites/{siteId}/funnels': {
    scope: 'site',
    body: () => ({ name: `f-${unique()}`, steps: FUNNEL_STEPS }),
  },
  'GET /api/sites/{siteId}/funnels/{funnelId}': { scope: 'site' },
  'PATCH /api/sites/{siteId}/funnels/{funnelId}': { scope: 'site', body: () => ({ name: `f-${unique()}` }) },
  'DELETE /api/sites/{siteId}/funnels/{funnelId}': { scope: 'site' },
  'GET /api/sites/{siteId}/funnels/{funnelId}/report': { scope: 'site', query: REPORT_RANGE },
  'POST /api/sites/{siteId}/consent': { scope: 'site', body: () => ({ visitorId: 'v1', analytics: true }) },
  'GET /api/sites/{siteId}/visitors/{visitorId}': { scope: 'settings' },
  'DELETE /api/sites/{siteId}/visitors/{visitorId}': { scope: 'settings' },
  'GET /api/data-subjects': { scope: 'manage', query: 'userId=crm-1' },
  'DELETE /api/data-subjects': { scope: 'manage', query: 'userId=crm-1' },
  'GET /api/erasures/{erasureId}': { scope: 'manage' },
  'GET /api/auth/sessions': { scope: 'self' },
  'DELETE /api/auth/sessions/{sessionId}': { scope: 'self' },
  'GET /api/sites/{siteId}/report': { scope: 'site', query: REPORT_RANGE },
  'GET /api/sites/{siteId}/report/settings': { scope: 'settings' },
  'PATCH /api/sites/{siteId}/report/settings': { scope: 'settings', body: () => ({ frequency: 'off' }) },
  'GET /api/agency/branding': { scope: 'agency' },
  'PATCH /api/agency/branding': { scope: 'agency', body: () => ({ displayName: 'Defaced' }) },
  'POST /api/agency/branding/logo': { scope: 'agency', body: () => ({ image: PNG_1PX.toString('base64') }) },
  'DELETE /api/agency/branding/logo': { scope: 'agency' },
};

interface Operation {
  method: string;
  path: string;
  key: string;
}

let operations: Operation[] = [];
let victim: TestTenant;
let victimSite: { id: string };
let otherAgency: TestTenant;
let viewer: TestTenant;
let outsider: TestTenant;
const matrix: Array<{ route: string; attacker: string; status: number }> = [];

beforeAll(async () => {
  const document = (await context.app.inject({ method: 'GET', url: '/api/openapi.json' })).json<{
    paths: Record<string, Record<string, { security?: unknown[] }>>;
  }>();
  operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([, operation]) => (operation.security ?? []).length > 0)
      .map(([method]) => ({ method: method.toUpperCase(), path, key: `${method.toUpperCase()} ${path}` })),
  );
  victim = await createTenant(context);
  otherAgency = await createTenant(context);
});

afterAll(() => {
  const attackers = [...new Set(matrix.map((cell) => cell.attacker))];
  const routes = [...new Set(matrix.map((cell) => cell.route))];
  const lines = routes.map(
    (route) =>
      `${route.padEnd(38)} ${attackers.map((attacker) => String(matrix.find((cell) => cell.route === route && cell.attacker === attacker)?.status ?? '-').padStart(attacker.length)).join('  ')}`,
  );
  console.log(
    `\n[security] route × attacker → status\n${''.padEnd(38)} ${attackers.join('  ')}\n${lines.join('\n')}\n`,
  );
});

/** A fresh site of the victim for each request, since some attacks (DELETE) would consume it. */
async function freshVictimSite(): Promise<string> {
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/sites',
    headers: victim.auth,
    payload: { name: 'Victim', domain: 'victim.example' },
  });
  return response.json().id;
}

/** Fresh victim resources for every placeholder of a path, since some attacks (DELETE) consume them. */
async function victimIds(path: string, siteId?: string): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  if (path.includes('{siteId}')) ids.siteId = siteId ?? (await freshVictimSite());
  if (path.includes('{companyId}')) {
    const { rows } = await context.db.query(
      `INSERT INTO companies (id, site_id, domain, name, first_seen_at, last_seen_at)
       VALUES ($1, $2, 'victim-corp.example', 'Victim Corp', now(), now()) RETURNING id`,
      [`cmp_${unique()}${unique()}`, ids.siteId],
    );
    ids.companyId = rows[0].id;
  }
  if (path.includes('{destinationId}')) {
    const response = await context.app.inject({
      method: 'POST',
      url: `/api/sites/${ids.siteId}/destinations`,
      headers: victim.auth,
      payload: { type: 'webhook', config: { url: 'https://hooks.victim.example/services/x' } },
    });
    ids.destinationId = response.json().id;
  }
  if (path.includes('{goalId}')) {
    const response = await context.app.inject({
      method: 'POST',
      url: `/api/sites/${ids.siteId}/goals`,
      headers: victim.auth,
      payload: { pagePattern: '/thank-you*' },
    });
    ids.goalId = response.json().id;
  }
  if (path.includes('{funnelId}')) {
    const response = await context.app.inject({
      method: 'POST',
      url: `/api/sites/${ids.siteId}/funnels`,
      headers: victim.auth,
      payload: { name: 'Victim funnel', steps: FUNNEL_STEPS },
    });
    ids.funnelId = response.json().id;
  }
  if (path.includes('{visitorId}')) ids.visitorId = `victim-visitor-${unique()}`;
  if (path.includes('{erasureId}')) {
    const response = await context.app.inject({
      method: 'DELETE',
      url: `/api/data-subjects?userId=victim-${unique()}`,
      headers: victim.auth,
    });
    ids.erasureId = response.json().id;
  }
  if (path.includes('{userId}')) ids.userId = (await addUser(context, victim.agencyId, 'member')).userId;
  if (path.includes('{invitationId}')) {
    const response = await context.app.inject({
      method: 'POST',
      url: '/api/invitations',
      headers: victim.auth,
      payload: { email: `v-${unique()}@test.example`, role: 'viewer' },
    });
    ids.invitationId = response.json().id;
  }
  if (path.includes('{apiKeyId}')) {
    const response = await context.app.inject({
      method: 'POST',
      url: '/api/api-keys',
      headers: victim.auth,
      payload: { name: 'victim key', scopes: ['read'] },
    });
    ids.apiKeyId = response.json().id;
  }
  if (path.includes('{sessionId}')) {
    await loginAs(context, victim.email);
    const { rows } = await context.db.query(
      'SELECT family_id FROM refresh_tokens WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1',
      [victim.userId],
    );
    ids.sessionId = rows[0].family_id;
  }
  const unknown = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!).filter((name) => !(name in ids));
  if (unknown.length > 0) throw new Error(`no victim resource for ${unknown.join(', ')}: teach victimIds`);
  return ids;
}

async function attack(
  operation: Operation,
  attacker: string,
  headers: Record<string, string>,
  siteId?: string,
) {
  const routeCase = ROUTES[operation.key]!;
  const ids = await victimIds(operation.path, siteId);
  const path = operation.path.replace(/\{(\w+)\}/g, (_match, name: string) => ids[name]!);
  const url = routeCase.query === undefined ? path : `${path}?${routeCase.query}`;
  const response = await context.app.inject({
    method: operation.method as 'GET',
    url,
    headers,
    ...(routeCase.body ? { payload: routeCase.body() } : {}),
  });
  matrix.push({ route: operation.key, attacker, status: response.statusCode });
  return { response, ids };
}

const isWrite = (operation: Operation) => operation.method !== 'GET' && !ROUTES[operation.key]!.reads;

describe('security suite', () => {
  it('knows every authenticated route of the OpenAPI document', () => {
    const unknown = operations.map((operation) => operation.key).filter((key) => !(key in ROUTES));
    expect(unknown, 'add these routes to ROUTES in test/security.test.ts').toEqual([]);
    expect(operations.length).toBeGreaterThanOrEqual(Object.keys(ROUTES).length);
  });

  it('answers 401 without a token, with a garbage token, an expired token or a forged one', async () => {
    const expired = createAccessTokens({ key: context.key, signedAt: Date.now() - 16 * 60_000 }).sign({
      userId: victim.userId,
      agencyId: victim.agencyId,
      role: 'owner',
      isInstanceAdmin: true,
    });
    const forged = createAccessTokens({ key: Buffer.alloc(32, 1) }).sign({
      userId: victim.userId,
      agencyId: victim.agencyId,
      role: 'owner',
      isInstanceAdmin: true,
    });
    const attackers: Record<string, Record<string, string>> = {
      'no token': {},
      garbage: { authorization: 'Bearer x.y.z' },
      expired: { authorization: `Bearer ${expired}` },
      forged: { authorization: `Bearer ${forged}` },
    };
    for (const operation of operations) {
      for (const [name, headers] of Object.entries(attackers)) {
        const { response } = await attack(operation, name, headers);
        expect(response.statusCode, `${operation.key} as ${name}: ${response.body}`).toBe(401);
        expect(response.json().error.code).toBe('unauthorized');
      }
    }
  });

  it("answers another agency's owner 404 for the victim's resources, and never shows them in lists", async () => {
    victimSite = { id: await freshVictimSite() };
    for (const operation of operations) {
      const { response, ids } = await attack(operation, 'other agency', otherAgency.auth);
      if (Object.keys(ids).length > 0) {
        expect(response.statusCode, `${operation.key}: ${response.body}`).toBe(404);
      } else {
        expect(response.statusCode, `${operation.key}: ${response.body}`).toBeLessThan(500);
        expect(response.body, operation.key).not.toContain(victim.userId);
        expect(response.body, operation.key).not.toContain(victim.agencyId);
      }
    }
    const stillThere = await context.app.inject({
      method: 'GET',
      url: `/api/sites/${victimSite.id}`,
      headers: victim.auth,
    });
    expect(stillThere.statusCode).toBe(200);
  });

  it('forbids a client viewer every write, and lets them read their own site', async () => {
    viewer = await addUser(context, victim.agencyId, 'viewer');
    for (const operation of operations) {
      const routeCase = ROUTES[operation.key]!;
      const siteId = await freshVictimSite();
      await context.db.query('INSERT INTO site_members (site_id, user_id) VALUES ($1, $2)', [
        siteId,
        viewer.userId,
      ]);
      if (routeCase.scope === 'self') continue;
      const { response } = await attack(operation, 'viewer', viewer.auth, siteId);
      if (
        isWrite(operation) ||
        routeCase.scope === 'instance' ||
        routeCase.scope === 'manage' ||
        routeCase.scope === 'settings'
      ) {
        expect(response.statusCode, `${operation.key}: ${response.body}`).toBe(403);
      } else if (routeCase.scope === 'site') {
        expect(response.statusCode, `${operation.key}: ${response.body}`).toBe(200);
      }
    }
  });

  it('hides sites a member is not assigned to (404)', async () => {
    outsider = await addUser(context, victim.agencyId, 'member');
    for (const operation of operations.filter((candidate) =>
      ['site', 'settings'].includes(ROUTES[candidate.key]!.scope),
    )) {
      const { response } = await attack(operation, 'member elsewhere', outsider.auth);
      expect(response.statusCode, `${operation.key}: ${response.body}`).toBe(404);
    }
  });

  it('keeps instance routes from agency owners who are not the administrator', async () => {
    for (const operation of operations.filter((candidate) => ROUTES[candidate.key]!.scope === 'instance')) {
      const { response } = await attack(operation, 'owner, not admin', otherAgency.auth);
      expect(response.statusCode, `${operation.key}: ${response.body}`).toBe(403);
    }
  });
});
