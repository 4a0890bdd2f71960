/**
 * The audit log's filters and page, kept in the URL (`?action=site&targetId=…&before=4182`) so a view
 * of it can be shared; parsed leniently, as the overview's state is: a bad value is dropped.
 */

export interface AuditQuery {
  action?: string;
  targetId?: string;
  actorId?: string;
  /** The paging cursor: entries older than this id. */
  before?: number;
}

/** The kinds of action the filter offers, as the API names them (`site` matches `site.*`). */
export const ACTION_KINDS: ReadonlyArray<{ kind: string; label: string }> = [
  { kind: 'site', label: 'Sites' },
  { kind: 'user', label: 'People' },
  { kind: 'invitation', label: 'Invitations' },
  { kind: 'api_key', label: 'API keys' },
  { kind: 'session', label: 'Sign-ins' },
  { kind: 'password', label: 'Passwords' },
  { kind: 'destination', label: 'Destinations' },
  { kind: 'funnel', label: 'Funnels' },
  { kind: 'goal', label: 'Goals' },
  { kind: 'company', label: 'Companies' },
];

/** Audited actions in words; one not listed here shows as its code. */
const ACTION_WORDS: Record<string, string> = {
  'agency.create': 'Created the agency',
  'site.create': 'Added a site',
  'site.update': 'Changed site settings',
  'site.delete': 'Deleted a site',
  'user.invite': 'Invited someone',
  'user.update': 'Changed a role or sites',
  'user.delete': 'Removed someone',
  'invitation.accept': 'Accepted an invitation',
  'invitation.revoke': 'Revoked an invitation',
  'api_key.create': 'Created an API key',
  'api_key.revoke': 'Revoked an API key',
  'password.reset': 'Reset a password',
  'password.reset_issue': 'Issued a password reset',
  'session.revoke': 'Signed a session out',
  'destination.create': 'Added a destination',
  'destination.update': 'Changed a destination',
  'destination.delete': 'Deleted a destination',
  'destination.replay': 'Replayed dead letters',
  'funnel.create': 'Saved a funnel',
  'funnel.update': 'Changed a funnel',
  'funnel.delete': 'Deleted a funnel',
  'goal.create': 'Added a goal',
  'goal.delete': 'Deleted a goal',
  'company.hide': 'Hid a company',
  'company.unhide': 'Showed a company again',
};

export function describeAction(action: string): string {
  return ACTION_WORDS[action] ?? action;
}

const ACTION = /^[a-z_]+(\.[a-z_]+)?$/;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

export function parseAuditQuery(search: string): AuditQuery {
  const params = new URLSearchParams(search);
  const query: AuditQuery = {};
  const action = params.get('action');
  if (action !== null && ACTION.test(action)) query.action = action;
  for (const key of ['targetId', 'actorId'] as const) {
    const value = params.get(key);
    if (value !== null && ID.test(value)) query[key] = value;
  }
  const before = Number(params.get('before'));
  if (Number.isSafeInteger(before) && before > 0) query.before = before;
  return query;
}

export function serializeAuditQuery(query: AuditQuery): string {
  const params = new URLSearchParams();
  if (query.action) params.set('action', query.action);
  if (query.targetId) params.set('targetId', query.targetId);
  if (query.actorId) params.set('actorId', query.actorId);
  if (query.before !== undefined) params.set('before', String(query.before));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** An entry's details in a line: `changed: timezone, retention_days; role: viewer → member`. */
export function describeDetails(details: Record<string, unknown> | null): string {
  if (details === null) return '';
  return Object.entries(details)
    .map(([key, value]) => `${key}: ${describeValue(value)}`)
    .join('; ');
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return value.map(describeValue).join(', ');
  if (value !== null && typeof value === 'object') {
    const { from, to } = value as { from?: unknown; to?: unknown };
    if (from !== undefined && to !== undefined && Object.keys(value).length === 2) {
      return `${describeValue(from)} → ${describeValue(to)}`;
    }
    return JSON.stringify(value);
  }
  return String(value);
}
