import { describe, expect, it } from 'vitest';
import { hasOptOutCookie, OPT_OUT_CLEAR_COOKIE, OPT_OUT_SET_COOKIE, renderOptOutPage } from './opt-out.ts';

describe('hasOptOutCookie', () => {
  it.each([
    ['beacon_optout=1', true],
    ['a=b; beacon_optout=1', true],
    ['beacon_optout=1; a=b', true],
    ['a=b;beacon_optout=1', true],
    ['beacon_optout=0', false],
    ['beacon_optout=', false],
    ['xbeacon_optout=1', false],
    ['beacon_optout=11', false],
    ['a=beacon_optout=1', false],
  ])('%s → %s', (header, expected) => {
    expect(hasOptOutCookie(header)).toBe(expected);
  });

  describe('robustness', () => {
    it.each([[undefined], [null], [''], [42], [['beacon_optout=1']], [';'.repeat(100_000)]])(
      'is false for %j',
      (header) => {
        expect(hasOptOutCookie(header)).toBe(false);
      },
    );
  });
});

describe('the opt-out cookie', () => {
  it('is first-party, out of scripts’ reach, sent on same-site loads, and lasts two years', () => {
    expect(OPT_OUT_SET_COOKIE).toMatch(/^beacon_optout=1; /);
    for (const attribute of ['Path=/', 'HttpOnly', 'Secure', 'SameSite=Lax', `Max-Age=${2 * 365 * 86_400}`])
      expect(OPT_OUT_SET_COOKIE).toContain(attribute);
    expect(OPT_OUT_CLEAR_COOKIE).toMatch(/^beacon_optout=; Max-Age=0; Path=\/;/);
  });
});

describe('renderOptOutPage', () => {
  it('shows the site’s name as text, never as markup', () => {
    const html = renderOptOutPage({ siteName: '<img src=x onerror=alert(1)> & "Co"', optedOut: false });
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; &quot;Co&quot;');
    expect(html).not.toContain('<img');
  });

  it('offers the opt-out, or confirms it with an undo', () => {
    const before = renderOptOutPage({ siteName: 'Shop', optedOut: false });
    expect(before).toContain('value="opt-out"');
    expect(before).not.toContain('value="undo"');
    const after = renderOptOutPage({ siteName: 'Shop', optedOut: true });
    expect(after).toContain('You have opted out');
    expect(after).toContain('value="undo"');
    expect(after).not.toContain('value="opt-out"');
  });

  it('has no script', () => {
    expect(renderOptOutPage({ siteName: 'Shop', optedOut: false })).not.toMatch(/<script|\son\w+=/i);
  });
});
