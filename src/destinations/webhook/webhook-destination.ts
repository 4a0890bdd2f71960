import { Type, type Static } from 'typebox';
import { webhookUrlProblem } from './webhook-urls.ts';
import type { DestinationType } from '../destination-type.ts';
import { postWebhook } from './post-webhook.ts';

export const WebhookConfig = Type.Object(
  {
    url: Type.String({
      maxLength: 2048,
      description:
        'A Slack-compatible incoming-webhook URL (https, public host); sealed at rest, never shown again',
    }),
  },
  { additionalProperties: false },
);
export type WebhookConfig = Static<typeof WebhookConfig>;

/**
 * Slack-compatible incoming webhooks (Slack, Mattermost, Discord's /slack endpoint, Teams
 * workflows): they receive hot-lead notifications as `{ "text": … }`, not events. Retries follow
 * the hot-lead budget: 30 s doubling to 6 h, 10 attempts (about a day).
 */
export const webhookDestination: DestinationType<WebhookConfig> = {
  type: 'webhook',
  configSchema: WebhookConfig,
  secretFields: ['url'],
  maxBatch: 1,
  retryWindowMs: 2 * 24 * 60 * 60 * 1000,
  needsAdsConsent: false,
  needsFullIp: false,
  defaultEvents: [],
  validateConfig(config) {
    const problem = webhookUrlProblem(config.url);
    return problem === undefined ? undefined : { field: 'url', message: `url ${problem}` };
  },
  async send(batch) {
    return new Map(
      batch.map((outgoing) => [outgoing.id, { kind: 'skipped', reason: 'webhooks take notifications only' }]),
    );
  },
  async test(_event, context) {
    const outcome = await postWebhook(
      context.config.url,
      { text: ':white_check_mark: Beacon test message: this webhook will receive hot-lead notifications.' },
      context.fetch,
      5_000,
      context.now,
    );
    return outcome.kind === 'delivered'
      ? { ok: true, messages: [`HTTP ${outcome.status}`] }
      : { ok: false, messages: [outcome.error] };
  },
};
