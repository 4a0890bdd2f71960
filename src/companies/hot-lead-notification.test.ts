import { describe, expect, it } from 'vitest';
import { hotLeadEvent, hotLeadWebhookPayload, type HotLead } from './hot-lead-notification.ts';

const lead: HotLead = {
  site: { id: 'site_1', name: 'Shop', domain: 'shop.example' },
  company: { id: 'cmp_1', domain: 'acme.example', name: 'Acme <Corp> & Co', country: 'GB', score: 84 },
  previousStatus: 'warm',
  breakdown: [
    { factor: 'recency', points: 25, max: 25, why: 'last visit today; halves every 7 days' },
    { factor: 'frequency', points: 9, max: 20, why: '3 sessions on 3 days in the last 30 days' },
    { factor: 'depth', points: 20, max: 20, why: '12 page views and 15 minutes on site in the last 30 days' },
    { factor: 'intent', points: 25, max: 25, why: 'visited /pricing (+10), /demo (+15)' },
    { factor: 'conversions', points: 0, max: 10, why: 'no custom events in the last 30 days' },
  ],
  at: new Date('2026-11-26T12:00:00Z'),
};

describe('hot-lead notifications', () => {
  it('tells Slack who, where, the score and the three strongest factors, escaped', () => {
    const { text } = hotLeadWebhookPayload(lead);
    expect(text.split('\n')).toEqual([
      ':fire: *Acme &lt;Corp&gt; &amp; Co (acme.example)* from GB is a hot lead on Shop (shop.example): score 84/100.',
      '• recency 25/25: last visit today; halves every 7 days',
      '• intent 25/25: visited /pricing (+10), /demo (+15)',
      '• depth 20/20: 12 page views and 15 minutes on site in the last 30 days',
    ]);
  });

  it('names the domain alone when the name is unknown', () => {
    const { text } = hotLeadWebhookPayload({
      ...lead,
      company: { ...lead.company, name: null, country: null },
    });
    expect(text).toMatch(/^:fire: \*acme\.example\* is a hot lead/);
  });

  it('publishes a typed JSON message for the live channel', () => {
    expect(JSON.parse(hotLeadEvent(lead))).toEqual({
      type: 'company.hot',
      siteId: 'site_1',
      company: { ...lead.company, leadStatus: 'hot', previousStatus: 'warm' },
      at: '2026-11-26T12:00:00.000Z',
    });
  });
});
