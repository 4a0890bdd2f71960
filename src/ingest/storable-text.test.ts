import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTenant, useTestApp, type TestContext } from '../../test/helpers.ts';
import { copyInto, runScript, sqlLiteral } from '../db/copy.ts';
import type { PoolClient } from '../db/pool.ts';
import { cutText, findUnstorableText, isStorableText } from './storable-text.ts';

const context = useTestApp();

describe('isStorableText', () => {
  it.each([
    ['plain text', 'Pricing | Acme'],
    ['empty', ''],
    ['tab, newline, return, backslash, quotes', 'a\tb\nc\rd\\e\'f"g'],
    ['COPY markers as data', '\\N \\.'],
    ['accents and CJK', 'ünïcödé 日本'],
    ['a surrogate pair (non-BMP)', 'launch 🚀'],
    ['the highest code point', '\u{10FFFF}'],
    ['U+FFFD itself', '\uFFFD'],
  ])('stores %s', (_name, text) => {
    expect(isStorableText(text)).toBe(true);
  });

  it.each([
    ['NUL alone', '\u0000'],
    ['NUL inside', 'a\u0000b'],
    ['NUL at the end', 'abc\u0000'],
    ['a lone high surrogate', 'a\uD800b'],
    ['a high surrogate at the end', 'abc\uD83D'],
    ['a lone low surrogate', '\uDE80abc'],
    ['a pair in the wrong order', '\uDE80\uD83D'],
  ])('refuses %s', (_name, text) => {
    expect(isStorableText(text)).toBe(false);
  });

  it('refuses exactly the strings with a NUL or a surrogate that is not half of a pair', () => {
    // 'binary' makes whole code points (a pair for each non-BMP one), never half of a pair, so the
    // half put between two such strings stays alone.
    const withBadUnit = fc
      .tuple(
        fc.string({ unit: 'binary' }),
        fc.constantFrom('\u0000', '\uD800', '\uDBFF', '\uDC00', '\uDFFF'),
        fc.string({ unit: 'binary' }),
      )
      .map(([before, bad, after]) => `${before}${bad}${after}`);
    fc.assert(fc.property(withBadUnit, (text) => !isStorableText(text)));
    const clean = fc.string({ unit: 'binary' }).filter((text) => !text.includes('\u0000'));
    fc.assert(fc.property(clean, (text) => isStorableText(text)));
  });
});

describe('findUnstorableText', () => {
  it.each([
    [
      'a clean event',
      { site: 'pk_1', type: 'pageview', title: 'Home 🚀', props: { a: [1, 'x'] } },
      undefined,
    ],
    ['a NUL in the title', { type: 'pageview', title: 'a\u0000' }, 'title'],
    ['a NUL in the name', { type: 'event', name: 'sign\u0000up' }, 'name'],
    ['a NUL in the visitor id', { visitorId: 'v\u0000' }, 'visitorId'],
    ['a NUL in the user id', { userId: '\u0000' }, 'userId'],
    ['a lone surrogate in the url', { url: 'https://a.example/\uD800' }, 'url'],
    ['a nested prop value', { props: { a: { b: 'x\u0000' } } }, 'props.a.b'],
    ['an array item', { props: { list: ['ok', '\uDC00'] } }, 'props.list.1'],
    ['an object in an array', { props: { items: [{ sku: 'ok' }, { sku: '\u0000' }] } }, 'props.items.1.sku'],
    ['a prop key, named by its object', { props: { ok: 1, ['k\u0000']: 1 } }, 'props'],
    ['a nested prop key', { props: { cart: { ['\uD800']: 1 } } }, 'props.cart'],
    ['a user value', { user: { email: 'a@b.example\u0000' } }, 'user.email'],
    ['a field it does not know', { newerField: '\u0000' }, 'newerField'],
    ['the shallowest of several', { props: { a: { b: '\u0000' } }, title: '\u0000' }, 'title'],
  ])('%s', (_name, event, field) => {
    expect(findUnstorableText(event)).toBe(field);
  });

  it('prefixes the path it is given', () => {
    expect(findUnstorableText({ a: '\u0000' }, 'events.3')).toBe('events.3.a');
    expect(findUnstorableText('\u0000', 'title')).toBe('title');
  });

  describe('robustness to invalid data', () => {
    it.each([
      ['undefined', undefined],
      ['null', null],
      ['a number', 42],
      ['NaN', Number.NaN],
      ['a boolean', true],
      ['an empty object', {}],
      ['an empty array', []],
      ['a huge clean string', 'x'.repeat(1_000_000)],
      [
        'a wide object',
        Object.fromEntries(Array.from({ length: 10_000 }, (_, index) => [`k${index}`, index])),
      ],
    ])('finds nothing in %s', (_name, value) => {
      expect(findUnstorableText(value)).toBeUndefined();
    });

    it('walks nesting of any depth without exhausting the stack', () => {
      const root: Record<string, unknown> = {};
      let deep = root;
      for (let level = 0; level < 100_000; level++) {
        deep.next = {};
        deep = deep.next as Record<string, unknown>;
      }
      deep.leaf = '\u0000';
      const found = findUnstorableText(root);
      expect(found?.endsWith('next.leaf')).toBe(true);
      expect(found?.split('.')).toHaveLength(100_001);
    });

    it('finds a NUL at the end of a huge string', () => {
      expect(findUnstorableText({ title: `${'x'.repeat(1_000_000)}\u0000` })).toBe('title');
    });
  });
});

/** Whether PostgreSQL gives `text` back exactly: as text and inside jsonb through COPY, and as a literal. */
async function storedExactly(client: PoolClient, text: string): Promise<boolean> {
  try {
    await runScript(client, [
      { sql: 'TRUNCATE storable' },
      copyInto('storable', ['t', 'j'], [{ t: text, j: { [text]: text } }]),
    ]);
    const copied = await client.query<{ t: string; j: Record<string, string> }>('SELECT t, j FROM storable');
    const literal = await client.query<{ t: string }>(`SELECT ${sqlLiteral(text, 'text')} AS t`);
    const [row] = copied.rows;
    return (
      row!.t === text &&
      JSON.stringify(row!.j) === JSON.stringify({ [text]: text }) &&
      literal.rows[0]!.t === text
    );
  } catch (error) {
    if (!String((error as { code?: unknown }).code).startsWith('22')) throw error;
    return false;
  }
}

describe('the boundary and PostgreSQL agree', () => {
  it('refuses exactly the strings that PostgreSQL cannot give back as they were', async () => {
    const client = await context.db.connect();
    try {
      await client.query('CREATE TEMP TABLE storable (t text, j jsonb)');
      // UTF-16 code units, lone surrogate halves among them; two neighbouring halves may form a pair.
      const unit = fc.oneof(
        fc.constantFrom(
          '\u0000',
          '\uD800',
          '\uDBFF',
          '\uDC00',
          '\uDFFF',
          '\uD83D',
          '\uDE80',
          '\\',
          '\t',
          "'",
          '"',
        ),
        fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
      );
      await fc.assert(
        fc.asyncProperty(fc.string({ unit, maxLength: 6 }), async (text) => {
          expect(isStorableText(text), JSON.stringify(text)).toBe(await storedExactly(client, text));
        }),
        { numRuns: 300, examples: [['a\u0000'], ['\uD800'], ['\uD83D\uDE80'], ['\uDE80\uD83D'], ['']] },
      );
    } finally {
      client.release();
    }
  });
});

async function createSite(test: TestContext) {
  const tenant = await createTenant(test);
  const response = await test.app.inject({
    method: 'POST',
    url: '/api/sites',
    headers: tenant.auth,
    payload: { name: 'Shop', domain: 'shop.example' },
  });
  return response.json<{ id: string; siteKey: string }>();
}

function post(url: string, payload: object) {
  return context.app.inject({ method: 'POST', url, headers: { origin: 'https://shop.example' }, payload });
}

describe('tracking refuses text PostgreSQL cannot store, naming the field', () => {
  it.each([
    ['title', { title: 'Pricing\u0000' }],
    ['name', { type: 'event', name: 'sign\u0000up' }],
    ['visitorId', { visitorId: 'v\u0000', consent: { analytics: true } }],
    ['userId', { userId: 'u\u0000', consent: { analytics: true } }],
    ['props.cart.sku', { props: { cart: { sku: 'a\uD800' } } }],
    ['props', { props: { ['key\u0000']: 1 } }],
    ['referrer', { referrer: 'https://r.example/\u0000' }],
    ['user.email', { type: 'identify', user: { email: 'a@b.example\uDC00' } }],
  ])('one event: %s', async (field, extra) => {
    const site = await createSite(context);
    const response = await post('/api/track/event', {
      site: site.siteKey,
      type: 'pageview',
      url: 'https://shop.example/',
      ...extra,
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'validation_failed', field });
  });

  it('a batch, naming the event', async () => {
    const site = await createSite(context);
    const event = { site: site.siteKey, type: 'pageview', url: 'https://shop.example/' };
    const response = await post('/api/track/batch', {
      events: [event, { ...event, props: { a: { b: '\u0000' } } }],
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'validation_failed', field: 'events.1.props.a.b' });
    const { rows } = await context.db.query('SELECT count(*)::int AS n FROM events WHERE site_id = $1', [
      site.id,
    ]);
    expect(rows[0].n).toBe(0);
  });

  it('a NUL in the site key, before it is looked up', async () => {
    const response = await post('/api/track/event', { site: 'pk_\u0000', type: 'pageview' });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'validation_failed', field: 'site' });
  });

  it('before the writer: a neighbour in the same tick commits, and no batch fails or is re-run', async () => {
    const site = await createSite(context);
    const before = context.ingestion.writer.stats();
    const event = { site: site.siteKey, type: 'pageview', url: 'https://shop.example/' };
    const [bad, good] = await Promise.all([
      post('/api/track/event', { ...event, title: 'a\u0000b' }),
      post('/api/track/event', { ...event, title: 'fine' }),
    ]);
    expect(bad.statusCode, bad.body).toBe(400);
    expect(good.statusCode, good.body).toBe(201);
    const after = context.ingestion.writer.stats();
    expect(after.failedBatches - before.failedBatches).toBe(0);
    expect(after.batches - before.batches).toBe(1);
  });
});

describe('cutText', () => {
  it.each([
    ['short', 10, 'short'],
    ['exactly10!', 10, 'exactly10!'],
    ['abcdefghijk', 10, 'abcdefghij'],
    // 😀 is two UTF-16 units: cutting between them would leave half a pair.
    ['abcdefghi😀', 10, 'abcdefghi'],
    ['abcdefgh😀x', 10, 'abcdefgh😀'],
    ['', 5, ''],
  ])('cuts %j to %i units as %j', (text, max, expected) => {
    const cut = cutText(text, max);
    expect(cut).toBe(expected);
    expect(isStorableText(cut)).toBe(true);
  });
});
