import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import { createPool, type Pool } from '../src/db/pool.ts';
import { buildApp } from '../src/http/app.ts';
import type { App } from '../src/http/types.ts';
import { newId } from '../src/lib/ids.ts';
import type { SharedState } from '../src/state/interface.ts';
import { createMemoryState } from '../src/state/memory.ts';
import { createRedisState } from '../src/state/redis.ts';
import { createAccessTokens, type AccessTokens } from '../src/tenancy/access-tokens.ts';
import { createAgency } from '../src/tenancy/create-agency.ts';
import { hashPassword } from '../src/tenancy/passwords.ts';
import type { Role } from '../src/tenancy/roles.ts';

export const TEST_PASSWORD = 'correct horse battery staple';

/** The shared-state backends this run can exercise: in-process always, Redis when the run has one. */
export function stateBackends(): Array<{ name: string; create: () => SharedState }> {
  const redisUrl = inject('redisUrl');
  const backends = [{ name: 'in-process', create: createMemoryState }];
  if (redisUrl) {
    backends.push({
      name: 'redis',
      create: () => createRedisState({ url: redisUrl, prefix: `test:${randomBytes(6).toString('hex')}:` }),
    });
  }
  return backends;
}

export interface TestContext {
  app: App;
  db: Pool;
  state: SharedState;
  tokens: AccessTokens;
  key: Buffer;
}

/**
 * An in-process app on the run's real PostgreSQL, built once per test file. Shared state is Redis
 * when the run has one, so route tests exercise the production backend.
 */
export function useTestApp(): TestContext {
  const context = {} as TestContext;
  beforeAll(async () => {
    context.db = createPool({ connectionString: inject('databaseUrl'), max: 4 });
    const backends = stateBackends();
    context.state = backends[backends.length - 1]!.create();
    context.key = randomBytes(32);
    context.tokens = createAccessTokens({ key: context.key });
    context.app = await buildApp({ db: context.db, state: context.state, tokens: context.tokens });
    await context.app.ready();
  });
  afterAll(async () => {
    await context.app?.close();
    await context.state?.close();
    await context.db?.end();
  });
  return context;
}

export interface TestTenant {
  agencyId: string;
  userId: string;
  email: string;
  accessToken: string;
  auth: { authorization: string };
}

export function uniqueEmail(label = 'user'): string {
  return `${label}-${randomBytes(6).toString('hex')}@test.example`;
}

/** A fresh agency with an owner, logged in through the real login route. */
export async function createTenant(
  context: TestContext,
  options: { instanceAdmin?: boolean } = {},
): Promise<TestTenant> {
  const email = uniqueEmail('owner');
  const { agency, owner } = await createAgency({
    db: context.db,
    input: { name: `Agency ${email}`, owner: { email, password: TEST_PASSWORD } },
    ownerIsInstanceAdmin: options.instanceAdmin ?? false,
  });
  const accessToken = await loginAs(context, email);
  return {
    agencyId: agency.id,
    userId: owner.id,
    email,
    accessToken,
    auth: { authorization: `Bearer ${accessToken}` },
  };
}

/** Adds a user with the given role to an existing agency and logs them in. */
export async function addUser(context: TestContext, agencyId: string, role: Role): Promise<TestTenant> {
  const email = uniqueEmail(role);
  const userId = newId('user');
  await context.db.query(
    `INSERT INTO dashboard_users (id, agency_id, email, password_hash, role) VALUES ($1, $2, $3, $4, $5)`,
    [userId, agencyId, email, await hashPassword(TEST_PASSWORD), role],
  );
  const accessToken = await loginAs(context, email);
  return { agencyId, userId, email, accessToken, auth: { authorization: `Bearer ${accessToken}` } };
}

export async function loginAs(context: TestContext, email: string): Promise<string> {
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { email, password: TEST_PASSWORD },
  });
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.statusCode} ${response.body}`);
  return response.json<{ accessToken: string }>().accessToken;
}
