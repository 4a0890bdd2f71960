import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { companyConditions, companyOrder, decodeCursor, encodeCursor } from './list-companies.ts';

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

    it('refuses a cursor made for another sort or order', () => {
      expect(fieldOf(() => decodeCursor(good, 'visits', 'desc'))).toBe('cursor');
      expect(fieldOf(() => decodeCursor(good, 'score', 'asc'))).toBe('cursor');
    });
  });
});
