import { describe, expect, it } from 'vitest';
import { asksForFreshReport } from './report-context.ts';

describe('asksForFreshReport', () => {
  it.each([
    ['no-cache', true],
    ['No-Cache', true],
    ['max-age=0, no-cache', true],
    [' no-cache ,no-store', true],
    ['no-cache="set-cookie"', true],
    [['max-age=0', 'no-cache'], true],
    ['no-store', false],
    ['max-age=0', false],
    ['no-cachex', false],
    ['private, no-transform', false],
  ])('%j → %s', (header, fresh) => {
    expect(asksForFreshReport(header)).toBe(fresh);
  });

  it('reads no header, an empty one and a huge one without the directive as "use the cache"', () => {
    expect(asksForFreshReport(undefined)).toBe(false);
    expect(asksForFreshReport('')).toBe(false);
    expect(asksForFreshReport([])).toBe(false);
    expect(asksForFreshReport(',,,')).toBe(false);
    expect(asksForFreshReport('max-age=0,'.repeat(100_000))).toBe(false);
    expect(asksForFreshReport(`${'x,'.repeat(100_000)}no-cache`)).toBe(true);
  });
});
