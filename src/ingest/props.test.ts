import { describe, expect, it } from 'vitest';
import { checkProps } from './props.ts';

const wide = Object.fromEntries(Array.from({ length: 51 }, (_, index) => [`k${index}`, index]));

describe('checkProps', () => {
  it.each([
    [undefined],
    [{}],
    [{ plan: 'pro', seats: 3, trial: false, coupon: null }],
    [{ cart: { items: [{ sku: 'A1', qty: 2 }] } }],
    [{ tags: ['a', 'b'] }],
  ])('accepts %j', (props) => {
    expect(checkProps(props)).toEqual({ ok: true });
  });

  it.each([
    [[1, 2], 'props'],
    ['text', 'props'],
    [null, 'props'],
    [wide, 'props'],
    [{ a: { b: { c: { d: { e: 1 } } } } }, 'props.a.b.c.d'],
    [{ note: 'x'.repeat(1001) }, 'props.note'],
    [{ list: Array.from({ length: 51 }, () => 1) }, 'props.list'],
    [{ ['k'.repeat(101)]: 1 }, `props.${'k'.repeat(40)}`],
    [{ '': 1 }, 'props.'],
    [{ n: Number.NaN }, 'props.n'],
    [
      {
        a: { big: 'x'.repeat(900) },
        b: 'y'.repeat(900),
        c: 'z'.repeat(900),
        d: 'w'.repeat(900),
        e: 'v'.repeat(900),
        f: 'u'.repeat(900),
        g: 't'.repeat(900),
        h: 's'.repeat(900),
        i: 'r'.repeat(900),
        j: 'q'.repeat(900),
      },
      'props',
    ],
  ])('rejects %j naming %s', (props, field) => {
    const result = checkProps(props);
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.field).toBe(field);
  });

  describe('robustness to invalid data', () => {
    it('does not recurse into deep nesting beyond the limit', () => {
      let deep: Record<string, unknown> = {};
      const root = deep;
      for (let level = 0; level < 10_000; level++) {
        deep.next = {};
        deep = deep.next as Record<string, unknown>;
      }
      expect(checkProps(root).ok).toBe(false);
    });
  });
});
