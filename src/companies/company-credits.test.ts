import { describe, expect, it } from 'vitest';
import { companyCredits, type SessionBefore, type SessionTotals } from './company-credits.ts';

const t0 = new Date('2026-11-26T10:00:00Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);

function session(overrides: Partial<SessionTotals> = {}): SessionTotals {
  return {
    site_id: 'site_a',
    id: 'ses_1',
    company_domain: 'acme.example',
    pageviews: 3,
    duration_s: 120,
    started_at: t0,
    last_seen_at: at(2),
    is_bot: false,
    ...overrides,
  };
}
const acme = {
  site_id: 'site_a',
  company_domain: 'acme.example',
  company_name: 'Acme',
  country: 'GB',
  city: 'London',
};

describe('companyCredits', () => {
  it.each<[string, SessionBefore | undefined, Partial<SessionTotals>, object]>([
    ['a new session counts once, in full', undefined, {}, { sessions: 1, pageviews: 3, seconds: 120 }],
    [
      'a continued session adds only what it grew by',
      { company_domain: 'acme.example', pageviews: 2, duration_s: 60 },
      {},
      { sessions: 0, pageviews: 1, seconds: 60 },
    ],
    [
      'a session that gains its company now counts once, in full',
      { company_domain: null, pageviews: 2, duration_s: 60 },
      {},
      { sessions: 1, pageviews: 3, seconds: 120 },
    ],
    [
      'a custom event in a continued session still touches the company',
      { company_domain: 'acme.example', pageviews: 3, duration_s: 100 },
      { duration_s: 100 },
      { sessions: 0, pageviews: 0, seconds: 0 },
    ],
    [
      'counters never go backwards',
      { company_domain: 'acme.example', pageviews: 9, duration_s: 900 },
      {},
      { sessions: 0, pageviews: 0, seconds: 0 },
    ],
  ])('%s', (_label, before, after, expected) => {
    const [credit] = companyCredits([{ before, after: session(after) }], [acme]);
    expect(credit).toMatchObject({ site_id: 'site_a', domain: 'acme.example', ...expected });
  });

  it('credits nothing for sessions without a company, and nothing for bots', () => {
    expect(
      companyCredits(
        [
          { before: undefined, after: session({ company_domain: null }) },
          { before: undefined, after: session({ id: 'ses_2', is_bot: true }) },
        ],
        [acme],
      ),
    ).toEqual([]);
  });

  it('merges sessions of one company and takes name and place from the events that name it', () => {
    const credits = companyCredits(
      [
        { before: undefined, after: session({ id: 'ses_1', started_at: at(5), last_seen_at: at(9) }) },
        { before: undefined, after: session({ id: 'ses_2', started_at: at(1), last_seen_at: at(3) }) },
      ],
      [{ ...acme, company_name: null, country: null, city: null }, acme],
    );
    expect(credits).toEqual([
      {
        site_id: 'site_a',
        domain: 'acme.example',
        name: 'Acme',
        country: 'GB',
        city: 'London',
        first_seen_at: at(1),
        last_seen_at: at(9),
        sessions: 2,
        pageviews: 6,
        seconds: 240,
      },
    ]);
  });

  it('keeps the same domain on two sites apart, sorted by site and domain', () => {
    const credits = companyCredits(
      [
        { before: undefined, after: session({ site_id: 'site_b', id: 'ses_1' }) },
        {
          before: undefined,
          after: session({ site_id: 'site_a', id: 'ses_2', company_domain: 'zeta.example' }),
        },
        { before: undefined, after: session({ site_id: 'site_a', id: 'ses_3' }) },
      ],
      [],
    );
    expect(credits.map((credit) => `${credit.site_id} ${credit.domain}`)).toEqual([
      'site_a acme.example',
      'site_a zeta.example',
      'site_b acme.example',
    ]);
  });

  it('takes no city from an event in another country than the one it keeps', () => {
    const [credit] = companyCredits(
      [{ before: undefined, after: session() }],
      [
        { ...acme, city: null },
        { ...acme, country: 'FR', city: 'Paris' },
      ],
    );
    expect(credit).toMatchObject({ country: 'GB', city: null });
  });
});
