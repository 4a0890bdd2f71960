import { describe, expect, it } from 'vitest';
import { isPurgeDue, partitionFate, partitionStart, retentionCutoff } from './retention-rules.ts';

const at = (iso: string) => new Date(iso);

describe('retentionCutoff', () => {
  it.each([
    ['2026-12-05T10:00:00Z', 90, '2026-09-06T00:00:00.000Z'],
    ['2026-12-05T00:00:00Z', 90, '2026-09-06T00:00:00.000Z'],
    ['2026-12-05T23:59:59.999Z', 1, '2026-12-04T00:00:00.000Z'],
    ['2024-03-01T08:00:00Z', 1, '2024-02-29T00:00:00.000Z'],
    ['2026-12-05T10:00:00Z', 395, '2025-11-05T00:00:00.000Z'],
    ['2026-12-05T10:00:00Z', 3650, '2016-12-07T00:00:00.000Z'],
  ])('at %s keeping %i days begins at %s (midnight UTC)', (now, days, cutoff) => {
    expect(retentionCutoff(at(now), days).toISOString()).toBe(cutoff);
  });

  describe('robustness', () => {
    it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '90' as unknown as number])(
      'refuses %s days',
      (days) => {
        expect(() => retentionCutoff(at('2026-12-05T10:00:00Z'), days)).toThrow(RangeError);
      },
    );

    it('refuses an invalid date', () => {
      expect(() => retentionCutoff(new Date(Number.NaN), 90)).toThrow(RangeError);
    });

    it('reaches back to the epoch and before without overflow', () => {
      expect(retentionCutoff(at('1970-01-02T00:00:00Z'), 3650).toISOString()).toBe(
        '1960-01-05T00:00:00.000Z',
      );
    });
  });
});

describe('isPurgeDue', () => {
  it.each([
    ['2026-11-01T12:00:00Z', '2026-12-01T11:59:59Z', false],
    ['2026-11-01T12:00:00Z', '2026-12-01T12:00:00Z', true],
    ['2026-11-01T12:00:00Z', '2026-11-01T12:00:00Z', false],
    ['2026-11-01T12:00:00Z', '2027-06-01T00:00:00Z', true],
  ])('a site deleted at %s is due at %s: %s', (deletedAt, now, due) => {
    expect(isPurgeDue(at(deletedAt), at(now))).toBe(due);
  });

  it('takes another grace period', () => {
    expect(isPurgeDue(at('2026-11-01T00:00:00Z'), at('2026-11-02T00:00:00Z'), 1)).toBe(true);
  });
});

describe('partitionStart', () => {
  it.each([
    ['events_20261205', '2026-12-05T00:00:00.000Z'],
    ['events_20240229', '2024-02-29T00:00:00.000Z'],
    ['events_19800101', '1980-01-01T00:00:00.000Z'],
  ])('%s begins at %s', (name, start) => {
    expect(partitionStart(name)?.toISOString()).toBe(start);
  });

  describe('robustness', () => {
    it.each([
      'events_20230229',
      'events_20261332',
      'events_2026120',
      'events_202612055',
      'events',
      '',
      'sessions_20261205',
      'events_2026-12-05',
      'x'.repeat(10_000),
    ])('is undefined for %j', (name) => {
      expect(partitionStart(name)).toBeUndefined();
    });
  });
});

describe('partitionFate', () => {
  const cutoffs = new Map([
    ['site_short', at('2026-09-06T00:00:00Z')],
    ['site_long', at('2025-11-05T00:00:00Z')],
  ]);

  it.each([
    ['only sites past retention', '2026-09-05', ['site_short'], { kind: 'drop' }],
    ['no rows, older than the shortest retention', '2026-09-05', [], { kind: 'drop' }],
    ['a site no longer in sites', '2026-09-05', ['site_gone'], { kind: 'drop' }],
    ['every site past retention', '2025-11-04', ['site_short', 'site_long'], { kind: 'drop' }],
    [
      'one site within retention',
      '2026-09-05',
      ['site_short', 'site_long'],
      { kind: 'delete_rows', siteIds: ['site_short'] },
    ],
    [
      'a gone site beside one within retention',
      '2026-09-05',
      ['site_gone', 'site_long'],
      { kind: 'delete_rows', siteIds: ['site_gone'] },
    ],
    ['the first day within the shortest retention', '2026-09-06', ['site_short'], { kind: 'keep' }],
    ['no rows, within every retention', '2026-12-05', [], { kind: 'keep' }],
    ['only a site within retention', '2026-09-05', ['site_long'], { kind: 'keep' }],
  ] as const)('%s: day %s holding %j → %j', (_, day, present, fate) => {
    expect(partitionFate(at(`${day}T00:00:00Z`), cutoffs, present)).toEqual(fate);
  });

  describe('robustness', () => {
    it('keeps everything when there are no sites at all', () => {
      expect(partitionFate(at('1990-01-01T00:00:00Z'), new Map(), [])).toEqual({ kind: 'keep' });
      expect(partitionFate(at('1990-01-01T00:00:00Z'), new Map(), ['site_gone'])).toEqual({ kind: 'keep' });
    });

    it('keeps a partition with an invalid start', () => {
      expect(partitionFate(new Date(Number.NaN), cutoffs, [])).toEqual({ kind: 'keep' });
    });

    it('handles many sites', () => {
      const many = new Map(
        Array.from({ length: 10_000 }, (_, n) => [`site_${n}`, at('2026-09-06T00:00:00Z')]),
      );
      expect(partitionFate(at('2026-01-01T00:00:00Z'), many, [...many.keys()])).toEqual({ kind: 'drop' });
    });
  });
});
