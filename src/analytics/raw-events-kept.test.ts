import { describe, expect, it } from 'vitest';
import { createTenant, useTestApp } from '../../test/helpers.ts';
import { AppError } from '../errors.ts';
import { assertRawEventsKept } from './raw-events-kept.ts';

const at = (iso: string) => new Date(iso);

describe('assertRawEventsKept', () => {
  it.each([
    ['nothing deleted yet', '2026-01-01T00:00:00Z', undefined],
    ['a window starting where the kept events begin', '2026-10-01T00:00:00Z', '2026-10-01T00:00:00Z'],
    ['a window starting after', '2026-11-01T00:00:00Z', '2026-10-01T00:00:00Z'],
  ])('lets pass %s', (_, from, rawEventsFrom) => {
    expect(() =>
      assertRawEventsKept({
        from: at(from),
        rawEventsFrom: rawEventsFrom === undefined ? undefined : at(rawEventsFrom),
      }),
    ).not.toThrow();
  });

  it.each([
    ['a millisecond earlier', '2026-09-30T23:59:59.999Z'],
    ['a year earlier', '2025-10-01T00:00:00Z'],
    ['the epoch', '1970-01-01T00:00:00Z'],
  ])('refuses a window starting %s, naming from and where the kept events begin', (_, from) => {
    const refusal = (() => {
      try {
        assertRawEventsKept({ from: at(from), rawEventsFrom: at('2026-10-01T00:00:00Z') });
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(refusal).toBeInstanceOf(AppError);
    expect(refusal).toMatchObject({ code: 'validation_failed', field: 'from' });
    expect((refusal as AppError).message).toContain('2026-10-01T00:00:00.000Z');
  });

  describe('robustness', () => {
    it('lets an invalid start pass rather than refuse on a comparison with NaN', () => {
      expect(() =>
        assertRawEventsKept({ from: new Date(Number.NaN), rawEventsFrom: at('2026-10-01T00:00:00Z') }),
      ).not.toThrow();
    });
  });
});

describe('reports over a period whose raw events retention deleted', () => {
  const context = useTestApp();

  it('answer from roll-ups when unfiltered, and refuse with 400 naming from what needs raw events', async () => {
    const tenant = await createTenant(context);
    const created = await context.app.inject({
      method: 'POST',
      url: '/api/sites',
      headers: tenant.auth,
      payload: { name: 'Shop', domain: 'shop.example' },
    });
    const siteId = created.json().id as string;
    await context.db.query("UPDATE sites SET events_kept_from = '2026-10-01T00:00:00Z' WHERE id = $1", [
      siteId,
    ]);
    const ask = (method: 'GET' | 'POST', path: string, payload?: object) =>
      context.app.inject({
        method,
        url: `/api/sites/${siteId}${path}`,
        headers: tenant.auth,
        ...(payload === undefined ? {} : { payload }),
      });
    const september = 'from=2026-09-01&to=2026-09-30';
    const filters = encodeURIComponent('[["is","page",["/pricing"]]]');

    const overview = await ask('GET', `/stats/overview?${september}`);
    expect(overview.statusCode, overview.body).toBe(200);
    for (const refused of [
      await ask('GET', `/stats/overview?${september}&filters=${filters}`),
      await ask('GET', `/stats/breakdown?${september}&dimension=visitor_type`),
      await ask('GET', `/stats/retention?${september}&weeks=4`),
      await ask('POST', '/funnels/query', {
        steps: [{ page: '/pricing' }, { event: 'signup' }],
        from: '2026-09-01',
        to: '2026-09-30',
      }),
      await ask('POST', '/funnels/query', {
        steps: [{ page: '/pricing' }, { event: 'signup' }],
        from: '2026-10-01',
        to: '2026-10-31',
        compare: 'previous',
      }),
    ]) {
      expect(refused.statusCode, refused.body).toBe(400);
      expect(refused.json().error).toMatchObject({ code: 'validation_failed', field: 'from' });
    }
    const october = await ask('GET', `/stats/overview?from=2026-10-01&to=2026-10-31&filters=${filters}`);
    expect(october.statusCode, october.body).toBe(200);
  });
});
