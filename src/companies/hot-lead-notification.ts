import type { LeadStatus, ScoreLine } from './score.ts';

/** What a hot-lead notification tells: the live channel gets it as JSON, webhooks as Slack text. */
export interface HotLead {
  site: { id: string; name: string; domain: string };
  company: { id: string; domain: string; name: string | null; country: string | null; score: number };
  previousStatus: LeadStatus | null;
  breakdown: ScoreLine[];
  at: Date;
}

/** The site's live channel; dashboards subscribe to it (WebSocket) through the shared pub/sub. */
export const liveChannel = (siteId: string) => `site:${siteId}`;

export function hotLeadEvent(lead: HotLead): string {
  return JSON.stringify({
    type: 'company.hot',
    siteId: lead.site.id,
    company: { ...lead.company, leadStatus: 'hot', previousStatus: lead.previousStatus },
    at: lead.at.toISOString(),
  });
}

/** Slack's mrkdwn gives `&`, `<` and `>` meaning; a company name must not turn into a link or mention. */
function escapeSlack(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/**
 * Incoming-webhook JSON as Slack (and Mattermost, Discord's /slack endpoint, Teams workflows)
 * accept it: `{ "text": … }`, naming the company, its score and the factors that count most.
 */
export function hotLeadWebhookPayload(lead: HotLead): { text: string } {
  const who = lead.company.name ? `${lead.company.name} (${lead.company.domain})` : lead.company.domain;
  const top = [...lead.breakdown]
    .filter((line) => line.points > 0)
    .sort((a, b) => b.points - a.points)
    .slice(0, 3)
    .map((line) => `${line.factor} ${line.points}/${line.max}: ${line.why}`);
  const where = lead.company.country ? ` from ${lead.company.country}` : '';
  const lines = [
    `:fire: *${escapeSlack(who)}*${escapeSlack(where)} is a hot lead on ${escapeSlack(lead.site.name)} ` +
      `(${escapeSlack(lead.site.domain)}): score ${lead.company.score}/100.`,
    ...top.map((line) => `• ${escapeSlack(line)}`),
  ];
  return { text: lines.join('\n') };
}
