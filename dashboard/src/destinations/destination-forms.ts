/**
 * What the destination form asks for each platform, and how its values become the API's `config`
 * and `events`: pure, so the rules about secrets (never shown, empty keeps them) and optional fields
 * (emptied: removed) are tested without a browser. The fields follow each platform's config schema in
 * `src/destinations/<platform>/`.
 */

export type DestinationTypeName = 'ga4' | 'meta' | 'google_ads' | 'webhook';

export interface DestinationRule {
  match: string;
  as?: string;
  conversionActionId?: string;
}

/** A destination as the API answers it: secrets appear only as `<field>Set: true`. */
export interface Destination {
  id: string;
  siteId: string;
  type: string;
  name: string;
  enabled: boolean;
  config: Record<string, unknown>;
  events: DestinationRule[];
  createdAt: string;
  updatedAt: string;
}

export interface FieldSpec {
  /** The path inside `config` (`oauth.refreshToken`); a `local` field is the form's own choice. */
  key: string;
  label: string;
  /** Where to find the value in the platform's own interface. */
  hint: string;
  secret?: boolean;
  optional?: boolean;
  multiline?: boolean;
  placeholder?: string;
  options?: ReadonlyArray<{ value: string; label: string }>;
  /** Not part of the config: it decides which other fields apply. */
  local?: boolean;
  /** Whether the field applies, given the form's values; always when absent. */
  when?: (values: FormValues) => boolean;
}

export interface TypeSpec {
  type: DestinationTypeName;
  label: string;
  /** What it does, in a line. */
  summary: string;
  fields: readonly FieldSpec[];
  /** Whether it takes forwarding rules (webhooks take hot-lead notifications, not events). */
  rules: boolean;
  /** Which events it receives when no rule is given. */
  defaultRules: string;
  /** A rule may name its own conversion action (Google Ads). */
  ruleConversionAction?: boolean;
  /** An example of the platform's event name for a rule's `as`. */
  asExample: string;
}

/** Field values by key (`name`, field keys); all strings, as inputs hold them. */
export type FormValues = Record<string, string>;

const usesServiceAccount = (values: FormValues) => values.credential === 'service_account';

export const TYPE_SPECS: readonly TypeSpec[] = [
  {
    type: 'ga4',
    label: 'Google Analytics 4',
    summary: 'Page views and events to a GA4 web stream through the Measurement Protocol.',
    rules: true,
    defaultRules: 'every page view and event',
    asExample: 'purchase',
    fields: [
      {
        key: 'measurementId',
        label: 'Measurement ID',
        hint: 'In GA4: Admin → Data streams → your web stream. The Measurement ID (G-…) at the top right, not the numeric stream ID.',
        placeholder: 'G-ABC123XYZ9',
      },
      {
        key: 'apiSecret',
        label: 'Measurement Protocol API secret',
        hint: 'On the same stream page: Measurement Protocol API secrets → Create, then copy its Secret value.',
        secret: true,
      },
    ],
  },
  {
    type: 'meta',
    label: 'Meta Conversions API',
    summary: 'Page views and conversions to a Meta pixel, server to server; only with ads consent.',
    rules: true,
    defaultRules:
      "page views and Meta's standard events (purchase → Purchase, sign_up → CompleteRegistration, …)",
    asExample: 'Purchase',
    fields: [
      {
        key: 'pixelId',
        label: 'Pixel (dataset) ID',
        hint: 'In Meta Events Manager: Data sources → your pixel. The ID (digits) under its name.',
        placeholder: '123456789012345',
      },
      {
        key: 'accessToken',
        label: 'Conversions API access token',
        hint: 'Events Manager → your pixel → Settings → Conversions API → Generate access token.',
        secret: true,
      },
      {
        key: 'testEventCode',
        label: 'Test event code',
        hint: 'Events Manager → your pixel → Test events: the code shown there (TEST…). While set, every event goes to Test events; empty it once the setup is checked.',
        optional: true,
        placeholder: 'TEST12345',
      },
      {
        key: 'apiVersion',
        label: 'Graph API version',
        hint: "Leave empty to follow Beacon's default, which moves on as Meta retires versions.",
        optional: true,
        placeholder: 'v27.0',
      },
    ],
  },
  {
    type: 'google_ads',
    label: 'Google Ads',
    summary:
      "Conversions to a Google Ads conversion action through Google's Data Manager API; only with ads consent.",
    rules: true,
    defaultRules: 'purchase',
    ruleConversionAction: true,
    asExample: 'purchase',
    fields: [
      {
        key: 'customerId',
        label: 'Customer ID',
        hint: 'In Google Ads: the account ID at the top right, next to your name (123-456-7890).',
        placeholder: '123-456-7890',
      },
      {
        key: 'conversionActionId',
        label: 'Conversion action ID',
        hint: 'Goals → Conversions → Summary → open the action: the number after ctId= in the page address.',
        placeholder: '555000111',
      },
      {
        key: 'loginCustomerId',
        label: 'Manager account ID',
        hint: 'Only when your credential reaches the account through a manager (MCC) account: that account’s ID.',
        optional: true,
        placeholder: '111-222-3333',
      },
      {
        key: 'api',
        label: 'API',
        hint: 'The Data Manager API needs no developer token. Choose the legacy upload only if Google still allows your account to use it.',
        options: [
          { value: 'datamanager', label: 'Data Manager API (recommended)' },
          { value: 'legacy', label: 'Legacy uploadClickConversions' },
        ],
      },
      {
        key: 'developerToken',
        label: 'Developer token',
        hint: 'Google Ads → Tools → API Center (manager account): the approved developer token.',
        secret: true,
        when: (values) => values.api === 'legacy',
      },
      {
        key: 'credential',
        label: 'Sign in with',
        hint: 'Who Beacon acts as at Google: a user who granted an OAuth client access, or a service account added as a user of the Ads account.',
        local: true,
        options: [
          { value: 'refresh_token', label: 'OAuth client and refresh token' },
          { value: 'service_account', label: 'Service account key' },
        ],
      },
      {
        key: 'oauth.clientId',
        label: 'OAuth client ID',
        hint: 'Google Cloud console → APIs & Services → Credentials → your OAuth 2.0 client (….apps.googleusercontent.com).',
        when: (values) => !usesServiceAccount(values),
      },
      {
        key: 'oauth.clientSecret',
        label: 'OAuth client secret',
        hint: 'The same OAuth client → Client secrets.',
        secret: true,
        when: (values) => !usesServiceAccount(values),
      },
      {
        key: 'oauth.refreshToken',
        label: 'Refresh token',
        hint: 'The refresh token (1//…) of a user with access to the Ads account, granted to that client with the Data Manager (or AdWords) scope, e.g. from the OAuth Playground.',
        secret: true,
        when: (values) => !usesServiceAccount(values),
      },
      {
        key: 'oauth.serviceAccountKey',
        label: 'Service account key (JSON)',
        hint: 'Google Cloud console → IAM → Service accounts → Keys → Add key → JSON: paste the whole file.',
        secret: true,
        multiline: true,
        when: usesServiceAccount,
      },
    ],
  },
  {
    type: 'webhook',
    label: 'Webhook (hot leads)',
    summary: 'A message to Slack, Mattermost, Discord or Teams when a company becomes a hot lead.',
    rules: false,
    defaultRules: 'hot-lead notifications',
    asExample: '',
    fields: [
      {
        key: 'url',
        label: 'Incoming webhook URL',
        hint: 'Slack: Apps → Incoming Webhooks → Add New Webhook to Workspace → copy the Webhook URL (https://hooks.slack.com/services/…). Mattermost, Discord (…/slack) and Teams workflow URLs work too.',
        secret: true,
        placeholder: 'https://hooks.slack.com/services/…',
      },
    ],
  },
];

export function typeSpec(type: string): TypeSpec | undefined {
  return TYPE_SPECS.find((spec) => spec.type === type);
}

export function fieldApplies(field: FieldSpec, values: FormValues): boolean {
  return field.when === undefined || field.when(values);
}

function get(object: Record<string, unknown>, path: string): unknown {
  let value: unknown = object;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function set(object: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let target = object;
  for (const key of keys.slice(0, -1)) {
    if (typeof target[key] !== 'object' || target[key] === null) target[key] = {};
    target = target[key] as Record<string, unknown>;
  }
  target[keys.at(-1)!] = value;
}

/** Whether a secret is stored (the API shows `apiSecretSet: true`, `oauth.refreshTokenSet: true`). */
export function secretIsSet(destination: Destination | undefined, key: string): boolean {
  return destination !== undefined && get(destination.config, `${key}Set`) === true;
}

/** The form's first values: a new destination's defaults, or what is stored (secrets left empty). */
export function initialValues(spec: TypeSpec, destination?: Destination): FormValues {
  const values: FormValues = { name: destination?.name ?? '' };
  for (const field of spec.fields) {
    if (field.key === 'credential') {
      values.credential = secretIsSet(destination, 'oauth.serviceAccountKey')
        ? 'service_account'
        : 'refresh_token';
    } else if (field.secret || destination === undefined) {
      values[field.key] = field.options?.[0]?.value ?? '';
    } else {
      const stored = get(destination.config, field.key);
      values[field.key] = typeof stored === 'string' ? stored : (field.options?.[0]?.value ?? '');
    }
  }
  return values;
}

/**
 * The `config` to send. A new destination gets every applying field that has a value. An edit sends
 * what changed: a secret left empty is kept (left out); an emptied or no longer applying optional
 * field is removed (`null`); a nested credential (`oauth`) is sent whole when any part of it was
 * touched, since the API replaces it whole, and left out otherwise.
 */
export function configFor(
  spec: TypeSpec,
  values: FormValues,
  existing?: Destination,
): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  const applying = spec.fields.filter((field) => !field.local && fieldApplies(field, values));
  const value = (field: FieldSpec) => (values[field.key] ?? '').trim();

  if (existing === undefined) {
    for (const field of applying) if (value(field) !== '') set(config, field.key, value(field));
    return config;
  }

  const groups = new Set(
    spec.fields.filter((field) => field.key.includes('.')).map((field) => field.key.split('.')[0]!),
  );
  for (const field of spec.fields.filter((candidate) => !candidate.local && !candidate.key.includes('.'))) {
    const given = value(field);
    const applies = fieldApplies(field, values);
    const stored = field.secret
      ? secretIsSet(existing, field.key)
      : get(existing.config, field.key) !== undefined;
    if (applies && given !== '') {
      if (field.secret || given !== get(existing.config, field.key)) config[field.key] = given;
    } else if (stored && (!applies || !field.secret)) {
      config[field.key] = null;
    }
  }
  for (const group of groups) {
    const fields = spec.fields.filter((field) => field.key.startsWith(`${group}.`));
    const credentialChanged =
      values.credential !== undefined && values.credential !== initialValues(spec, existing).credential;
    const touched =
      credentialChanged ||
      fields.some((field) =>
        field.secret
          ? value(field) !== ''
          : fieldApplies(field, values) && value(field) !== String(get(existing.config, field.key) ?? ''),
      );
    if (!touched) continue;
    const object: Record<string, unknown> = {};
    for (const field of fields) {
      if (fieldApplies(field, values) && value(field) !== '')
        object[field.key.slice(group.length + 1)] = value(field);
    }
    config[group] = object;
  }
  return config;
}

/** One row of the rules editor: inputs hold strings. */
export interface RuleRow {
  match: string;
  as: string;
  conversionActionId: string;
}

export function rulesToRows(rules: readonly DestinationRule[]): RuleRow[] {
  return rules.map((rule) => ({
    match: rule.match,
    as: rule.as ?? '',
    conversionActionId: rule.conversionActionId ?? '',
  }));
}

export function rowsToRules(rows: readonly RuleRow[]): DestinationRule[] {
  return rows
    .map((row) => ({
      match: row.match.trim(),
      as: row.as.trim(),
      conversionActionId: row.conversionActionId.trim(),
    }))
    .filter((row) => row.match !== '' || row.as !== '' || row.conversionActionId !== '')
    .map((row) => ({
      match: row.match,
      ...(row.as === '' ? {} : { as: row.as }),
      ...(row.conversionActionId === '' ? {} : { conversionActionId: row.conversionActionId }),
    }));
}

/**
 * The `events` to send: left out when unchanged (or none given for a new destination, which then
 * gets its type's default); `null` when an edit empties them (back to the default).
 */
export function eventsFor(
  rows: readonly RuleRow[],
  original?: readonly DestinationRule[],
): DestinationRule[] | null | undefined {
  const rules = rowsToRules(rows);
  if (original === undefined) return rules.length === 0 ? undefined : rules;
  if (JSON.stringify(rules) === JSON.stringify(rowsToRules(rulesToRows(original)))) return undefined;
  return rules.length === 0 ? null : rules;
}

/** Where the form shows an API error: next to a field (`apiSecret`), a rule's input (`events.0.match`), or above. */
export type ErrorPlace = { kind: 'field'; key: string } | { kind: 'form' };

/** The form key an API error's `field` names (`config.oauth.refreshToken` → `oauth.refreshToken`). */
export function errorPlace(spec: TypeSpec, field: string | undefined, values: FormValues): ErrorPlace {
  if (field === undefined) return { kind: 'form' };
  if (field === 'name') return { kind: 'field', key: 'name' };
  if (spec.rules && /^events(\.\d+\.(match|as|conversionActionId))?$/.test(field)) {
    return { kind: 'field', key: field };
  }
  if (!field.startsWith('config.')) return { kind: 'form' };
  const path = field.slice('config.'.length);
  const applying = spec.fields.filter((candidate) => !candidate.local && fieldApplies(candidate, values));
  const exact = applying.find((candidate) => candidate.key === path);
  if (exact !== undefined) return { kind: 'field', key: exact.key };
  const inside = applying.find((candidate) => candidate.key.startsWith(`${path}.`));
  return inside === undefined ? { kind: 'form' } : { kind: 'field', key: inside.key };
}

/** The list with a just-saved destination in it, unless the list already holds that save or a later one. */
export function withSaved(list: Destination[], saved: Destination | undefined): Destination[] {
  if (saved === undefined) return list;
  const stored = list.find((candidate) => candidate.id === saved.id);
  if (stored === undefined) return [...list, saved];
  return stored.updatedAt >= saved.updatedAt
    ? list
    : list.map((candidate) => (candidate.id === saved.id ? saved : candidate));
}
