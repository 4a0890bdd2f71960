import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTenant, useTestApp, type TestTenant } from '../../test/helpers.ts';
import { AppError } from '../errors.ts';
import { newId } from '../lib/ids.ts';
import { companyConditions, companyOrder, decodeCursor, encodeCursor } from './list-companies.ts';

const context = useTestApp();

const base = { includeHidden: false, sort: 'score', order: 'desc' } as const;

function conditions(filters: Record<string, unknown>) {
  const params: unknown[] = [];
  const sql = companyConditions('site_1', { ...base, ...filters }, params);
  return { sql, params };
}

function fieldOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof AppError ? error.field : 'not an AppError';
  }
  return undefined;
}

describe('company list filters', () => {
  it.each([
    [{}, ['c.site_id = $1', 'NOT c.hidden'], ['site_1']],
    [{ includeHidden: true }, ['c.site_id = $1'], ['site_1']],
    [{ lead: 'hot' }, ['c.site_id = $1', 'c.lead_status = $2', 'NOT c.hidden'], ['site_1', 'hot']],
    [
      { minScore: 40, maxScore: 69 },
      ['c.site_id = $1', 'c.score >= $2', 'c.score <= $3', 'NOT c.hidden'],
      ['site_1', 40, 69],
    ],
    [{ country: 'gb' }, ['c.site_id = $1', 'c.country = $2', 'NOT c.hidden'], ['site_1', 'GB']],
    [
      { industry: ' Software ' },
      ['c.site_id = $1', 'lower(c.industry) = lower($2)', 'NOT c.hidden'],
      ['site_1', 'Software'],
    ],
    [
      { lastSeenAfter: '2026-11-01' },
      ['c.site_id = $1', 'c.last_seen_at > $2', 'NOT c.hidden'],
      ['site_1', new Date('2026-11-01T00:00:00Z')],
    ],
    [
      { q: "50%_off'; DROP TABLE companies; --" },
      ['c.site_id = $1', "(c.name ILIKE $2 ESCAPE '\\' OR c.domain ILIKE $2 ESCAPE '\\')", 'NOT c.hidden'],
      ['site_1', "%50\\%\\_off'; DROP TABLE companies; --%"],
    ],
  ])('%j', (filters, sql, params) => {
    expect(conditions(filters)).toEqual({ sql, params });
  });

  it.each([
    [{ minScore: 70, maxScore: 40 }, 'maxScore'],
    [{ lastSeenAfter: 'yesterday' }, 'lastSeenAfter'],
    [{ lastSeenAfter: '2026-13-45' }, 'lastSeenAfter'],
    [{ lastSeenAfter: '2026-11-01 09:00' }, 'lastSeenAfter'],
  ])('%j is refused, naming %s', (filters, field) => {
    expect(fieldOf(() => conditions(filters))).toBe(field);
  });

  it.each([
    ['score', 'desc', 'c.score DESC, c.id DESC'],
    ['lastSeen', 'asc', 'c.last_seen_at ASC, c.id ASC'],
    ['visits', 'desc', 'c.visits DESC, c.id DESC'],
  ] as const)('sorts by %s %s', (sort, order, sql) => {
    expect(companyOrder(sort, order)).toBe(sql);
  });
});

describe('company list cursor', () => {
  it('round-trips', () => {
    const cursor = {
      sort: 'lastSeen',
      order: 'asc',
      value: '2026-11-26T10:00:00.000Z',
      id: 'cmp_1',
    } as const;
    expect(decodeCursor(encodeCursor(cursor), 'lastSeen', 'asc')).toEqual(cursor);
  });

  it.each([
    ['score', 0],
    ['visits', 2 ** 31 - 1],
    ['lastSeen', '0001-01-01T00:00:00.000Z'],
    ['lastSeen', '9999-12-31T23:59:59.999Z'],
  ] as const)('takes %s %j, at the edge of what PostgreSQL stores', (sort, value) => {
    const cursor = { sort, order: 'desc', value, id: 'cmp_06gzgjmnr0jw6tbx12sers57qg' } as const;
    expect(decodeCursor(encodeCursor(cursor), sort, 'desc')).toEqual(cursor);
  });

  describe('robustness to invalid data', () => {
    const good = encodeCursor({ sort: 'score', order: 'desc', value: 84, id: 'cmp_1' });
    it.each([
      ['garbage', '!!!'],
      ['not JSON', Buffer.from('hello').toString('base64url')],
      ['the wrong shape', Buffer.from('{"a":1}').toString('base64url')],
      ['a wrong value type', Buffer.from('["score","desc","84","cmp_1"]').toString('base64url')],
      ['an empty id', Buffer.from('["score","desc",84,""]').toString('base64url')],
      [
        'a huge id',
        Buffer.from(JSON.stringify(['score', 'desc', 84, 'x'.repeat(100)])).toString('base64url'),
      ],
      ['an empty string', ''],
    ])('%s → field cursor', (_label, cursor) => {
      expect(fieldOf(() => decodeCursor(cursor, 'score', 'desc'))).toBe('cursor');
    });

    const cursorOf = (value: unknown, sort = 'lastSeen', id: unknown = 'cmp_1') =>
      Buffer.from(JSON.stringify([sort, 'desc', value, id])).toString('base64url');
    it.each([
      // JavaScript's Date takes each of these; PostgreSQL's timestamptz does not.
      ['an expanded year', cursorOf('+275760-09-13T00:00:00.000Z')],
      ['year 0', cursorOf('0000-01-01T00:00:00.000Z')],
      ['a bare year', cursorOf('2022')],
      ['a date as Date.toString writes it', cursorOf('Tue Mar 01 2022')],
      ['a day that does not exist', cursorOf('2026-02-30T10:00:00.000Z')],
      ['a date without time', cursorOf('2026-11-20')],
      ['a number for a date', cursorOf(1_700_000_000_000)],
      ['NUL in the id', cursorOf('2026-11-20T10:00:00.000Z', 'lastSeen', 'cmp_\u0000')],
      ['a space in the id', cursorOf('2026-11-20T10:00:00.000Z', 'lastSeen', 'cmp 1')],
      ['a number for the id', cursorOf('2026-11-20T10:00:00.000Z', 'lastSeen', 1)],
    ])('lastSeen: %s → field cursor', (_label, cursor) => {
      expect(fieldOf(() => decodeCursor(cursor, 'lastSeen', 'desc'))).toBe('cursor');
    });

    it.each([
      ['beyond a 32-bit integer', 2 ** 31],
      ['below a 32-bit integer', -(2 ** 31) - 1],
      ['huge', 1e300],
      ['a fraction', 1.5],
      ['a date', '2026-11-20T10:00:00.000Z'],
    ])('visits: %s → field cursor', (_label, value) => {
      expect(fieldOf(() => decodeCursor(cursorOf(value, 'visits'), 'visits', 'desc'))).toBe('cursor');
    });

    it('refuses a cursor made for another sort or order', () => {
      expect(fieldOf(() => decodeCursor(good, 'visits', 'desc'))).toBe('cursor');
      expect(fieldOf(() => decodeCursor(good, 'score', 'asc'))).toBe('cursor');
    });
  });
});

describe('GET /api/sites/:siteId/companies with any cursor', () => {
  let site: { owner: TestTenant; id: string } | undefined;
  /** One site with a few companies, made once: the properties below run hundreds of requests. */
  async function siteWithCompanies() {
    if (site !== undefined) return site;
    const owner = await createTenant(context);
    const response = await context.app.inject({
      method: 'POST',
      url: '/api/sites',
      headers: owner.auth,
      payload: { name: 'Shop', domain: 'shop.example' },
    });
    const id = response.json().id as string;
    for (let index = 0; index < 3; index++) {
      await context.db.query(
        `INSERT INTO companies (id, site_id, domain, name, first_seen_at, last_seen_at, score, lead_status)
         VALUES ($1, $2, $3, $3, now(), now(), $4, 'cold')`,
        [newId('cmp'), id, `c${index}.example`, index * 10],
      );
    }
    site = { owner, id };
    return site;
  }

  async function list(query: Record<string, string>) {
    const { owner, id } = await siteWithCompanies();
    return context.app.inject({
      method: 'GET',
      url: `/api/sites/${id}/companies`,
      headers: owner.auth,
      query,
    });
  }

  it.each([
    ['lastSeen', '+275760-09-13T00:00:00.000Z'],
    ['lastSeen', '2022'],
    ['lastSeen', 'Tue Mar 01 2022'],
    ['visits', 2 ** 31],
    ['score', 1e300],
  ] as const)('a %s cursor holding %j is 400 naming cursor, not 500', async (sort, value) => {
    const cursor = Buffer.from(JSON.stringify([sort, 'desc', value, 'cmp_1'])).toString('base64url');
    const response = await list({ sort, cursor });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'validation_failed', field: 'cursor' });
  });

  /** A cursor's parts: mostly of the right kinds, with whatever JSON can hold mixed in. */
  const part = fc.oneof(
    fc.constantFrom('score', 'lastSeen', 'visits', 'asc', 'desc'),
    fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
    fc.integer(),
    fc.double(),
    fc.string({ unit: 'binary' }),
    fc.jsonValue(),
  );
  const sorts = fc.constantFrom('score', 'lastSeen', 'visits');

  it('answers no cursor built from JSON with a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(sorts, fc.array(part, { minLength: 0, maxLength: 5 }), async (sort, parts) => {
        const cursor = Buffer.from(JSON.stringify(parts)).toString('base64url');
        const response = await list({ sort, order: 'desc', cursor });
        expect([200, 400], response.body).toContain(response.statusCode);
      }),
      { numRuns: 150 },
    );
  });

  it('answers no cursor of the right shape, with any value and id, with a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(sorts, part, part, async (sort, value, id) => {
        const cursor = Buffer.from(JSON.stringify([sort, 'desc', value, id])).toString('base64url');
        const response = await list({ sort, order: 'desc', cursor });
        expect([200, 400], response.body).toContain(response.statusCode);
      }),
      { numRuns: 300 },
    );
  });

  it('answers no cursor string at all with a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 300 }), async (cursor) => {
        const response = await list({ cursor });
        expect([200, 400], response.body).toContain(response.statusCode);
      }),
      { numRuns: 150 },
    );
  });
});
