import { describe, expect, it } from 'vitest';
import { XSS } from '../../test/dashboard-browser.ts';
import type { ClientReport } from './client-report.ts';
import { changeLabel, escapeHtml, periodLabel, renderReportMail } from './report-mail.ts';

const metrics = {
  visitors: 1204,
  sessions: 1650,
  pageviews: 5120,
  viewsPerSession: 3.1,
  bounceRate: 41.5,
  avgSessionSeconds: 133,
  conversions: 37,
  conversionRate: 2.8,
  revenue: {},
};

/** A report whose every stored string is the same piece of HTML. */
function reportWith(text: string): ClientReport {
  return {
    site: { id: 'site_1', name: text, domain: 'shop.example', timezone: 'UTC' },
    agency: { name: text, logoUrl: '/api/branding/logos/' + 'a'.repeat(64) },
    from: '2026-11-30',
    to: '2026-12-06',
    overview: { ...metrics, previous: { ...metrics, visitors: 1000 } },
    topPages: [{ value: `/p/${text}`, visitors: 10, pageviews: 12 }],
    topSources: [
      { value: text, visitors: 8, pageviews: 9 },
      { value: '(none)', visitors: 2, pageviews: 3 },
    ],
    conversions: [{ goal: text, conversions: 3, revenue: {} }],
    newHotLeads: [
      {
        id: 'cmp_1',
        name: text,
        domain: 'acme.example',
        score: 82,
        leadStatus: 'hot',
        becameHotAt: '2026-12-02T10:00:00.000Z',
      },
    ],
    newHotLeadCount: 1,
  };
}

describe('the report mail', () => {
  const publicUrl = 'https://beacon.agency.example/analytics';

  it('escapes every stored string in the HTML, so a stored tag arrives as text', () => {
    const mail = renderReportMail(reportWith(XSS), { publicUrl, frequency: 'weekly' });
    expect(mail.html).not.toContain('<img src=x');
    expect(mail.html).not.toContain('onerror="');
    const escaped = escapeHtml(XSS);
    // Site, agency (twice, and the logo's alt), page, source, goal and company.
    expect(mail.html.split(escaped).length - 1).toBeGreaterThanOrEqual(7);
    // The plain-text part is text: it carries the string as it is.
    expect(mail.text).toContain(XSS);
  });

  it('links to the report and the logo under the public URL', () => {
    const mail = renderReportMail(reportWith('Acme'), { publicUrl, frequency: 'weekly' });
    const link = `${publicUrl}/sites/site_1/report?from=2026-11-30&amp;to=2026-12-06`;
    expect(mail.html).toContain(`href="${link}"`);
    expect(mail.html).toContain(`src="${publicUrl}/api/branding/logos/${'a'.repeat(64)}"`);
    expect(mail.text).toContain(
      `Full report: ${publicUrl}/sites/site_1/report?from=2026-11-30&to=2026-12-06`,
    );
  });

  it('says what it covers in the subject and the numbers with their change in both parts', () => {
    const mail = renderReportMail(reportWith('Acme'), { publicUrl, frequency: 'monthly' });
    expect(mail.subject).toBe('Monthly report for Acme: 30 Nov 2026 – 6 Dec 2026');
    expect(mail.text).toContain('Visitors: 1,204 (+20% vs. period before)');
    expect(mail.html).toContain('1,204');
    expect(mail.text).toContain('Direct / none');
    expect(mail.text).toContain('82  Acme (acme.example)');
  });

  it('keeps a stored line break out of the subject', () => {
    const mail = renderReportMail(reportWith('Acme\r\nBcc: someone@else.example'), {
      publicUrl,
      frequency: 'weekly',
    });
    expect(mail.subject).not.toMatch(/[\r\n]/);
  });

  it('says so when a list is empty, rather than leaving a blank', () => {
    const mail = renderReportMail(
      {
        ...reportWith('Acme'),
        topPages: [],
        topSources: [],
        conversions: [],
        newHotLeads: [],
        newHotLeadCount: 0,
      },
      { publicUrl, frequency: 'weekly' },
    );
    expect(mail.text).toContain('No page views in this period.');
    expect(mail.html).toContain('No company turned hot in this period.');
  });

  it.each([
    [120, 100, '+20%'],
    [80, 100, '−20%'],
    [100, 100, '±0%'],
    [5, 0, 'new'],
    [0, 0, '±0%'],
  ])('writes a change from %i to %i as %s', (before, after, label) => {
    expect(changeLabel(before, after)).toBe(label);
  });

  it('writes a period as its first and last day', () => {
    expect(periodLabel('2026-12-01', '2026-12-31')).toBe('1 Dec 2026 – 31 Dec 2026');
  });
});
