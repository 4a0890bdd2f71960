import { describe, expect, it } from 'vitest';
import { RESERVED_EVENT_NAMES, toGa4EventName, toGa4Name, toGa4ParamName } from './ga4-names.ts';

const GA4_NAME = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;

describe('toGa4Name', () => {
  it.each([
    ['signup', 'signup'],
    ['Add To Cart', 'Add_To_Cart'],
    ['add-to-cart!', 'add_to_cart'],
    ['checkout  --  step 2', 'checkout_step_2'],
    ['$outbound', 'outbound'],
    ['__private', 'private'],
    ['2fa_enabled', 'fa_enabled'],
    ['Über Größe', 'Uber_Gro_e'],
    ['café', 'cafe'],
    ['a__b', 'a__b'],
    ['x'.repeat(50), 'x'.repeat(40)],
    ['My_Event', 'My_Event'],
  ])('makes %j into %j', (raw, expected) => {
    expect(toGa4Name(raw)).toBe(expected);
    expect(expected).toMatch(GA4_NAME);
  });

  it.each([[''], ['$'], ['123'], ['___'], ['日本語'], ['🎉']])('has nothing left of %j', (raw) => {
    expect(toGa4Name(raw)).toBeUndefined();
  });

  describe('robustness', () => {
    it.each([[null], [undefined], [42], [{}]])('answers undefined for %j', (raw) => {
      expect(toGa4Name(raw as unknown as string)).toBeUndefined();
    });

    it('cuts a huge name to 40 characters quickly', () => {
      expect(toGa4Name('a-'.repeat(500_000))).toBe('a_'.repeat(20));
    });
  });
});

describe('toGa4EventName', () => {
  it.each([
    ['purchase', 'purchase'],
    ['page_view', 'page_view'],
    ['sign up', 'sign_up'],
    ['outbound_click', 'outbound_click'],
  ])('takes %j as %j', (raw, name) => {
    expect(toGa4EventName(raw)).toEqual({ ok: true, name });
  });

  it.each([
    ['click'],
    ['Click'],
    ['scroll'],
    ['file_download'],
    ['user_engagement'],
    ['session_start'],
    ['first_visit'],
    ['$session-start'],
    ['firebase_thing'],
    ['ga_custom'],
    ['google_signal'],
    ['query_id_lookup'],
  ])('refuses the reserved %j rather than rename it', (raw) => {
    const result = toGa4EventName(raw);
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.reason).toMatch(/reserves the event name .*"as"/);
  });

  it('refuses every name of the reserved list', () => {
    for (const name of RESERVED_EVENT_NAMES) expect(toGa4EventName(name).ok, name).toBe(false);
  });

  it('refuses a name with nothing usable, quoting it', () => {
    expect(toGa4EventName('¿?')).toEqual({ ok: false, reason: '"¿?" has no letters GA4 accepts' });
  });
});

describe('toGa4ParamName', () => {
  it.each([
    ['plan', 'plan'],
    ['seat count', 'seat_count'],
    ['_internal', 'internal'],
    ['$url', 'url'],
  ])('takes %j as %j', (raw, name) => {
    expect(toGa4ParamName(raw)).toBe(name);
  });

  it.each([
    ['session_id'],
    ['engagement_time_msec'],
    ['gclid'],
    ['GCLID'],
    ['session_number'],
    ['firebase_conversion'],
    ['ga_session'],
    ['_ga_session'],
    ['google_x'],
    ['firebase_y'],
    ['!!!'],
  ])('drops %j', (raw) => {
    expect(toGa4ParamName(raw)).toBeUndefined();
  });
});
