import type { Site } from '../api.ts';
import { Link } from '../link.tsx';
import { navigate } from '../navigation.ts';
import { useRequest } from '../use-request.ts';
import type { PageProps } from '../view-props.ts';
import {
  ACTION_KINDS,
  describeAction,
  describeDetails,
  parseAuditQuery,
  serializeAuditQuery,
  type AuditQuery,
} from './audit-query.ts';
import { formatDateTime } from '../format.ts';
import type { AuditEntry } from '../../../src/tenancy/audit/list-audit-log.ts';
import type { TeamUser } from './team-model.ts';
import './team.css';

const PAGE_SIZE = 50;

interface Names {
  users: TeamUser[];
  sites: Site[];
  keys: Array<{ id: string; name: string }>;
}

/** Who changed what and when: the agency's management writes, filtered and paged in the URL. */
export function AuditLogView(props: PageProps) {
  const query = parseAuditQuery(props.search);
  const search = serializeAuditQuery(query);
  const entries = useRequest(`audit:${search}`, () =>
    props.api.get<{ entries: AuditEntry[] }>('/api/audit-log', {
      limit: String(PAGE_SIZE),
      ...(query.before === undefined ? {} : { before: String(query.before) }),
      ...(query.action === undefined ? {} : { action: query.action }),
      ...(query.targetId === undefined ? {} : { targetId: query.targetId }),
      ...(query.actorId === undefined ? {} : { actorId: query.actorId }),
    }),
  );
  // Names for the ids entries carry. A list that fails leaves ids shown as they are.
  const names = useRequest('audit-names', async (): Promise<Names> => {
    const [users, sites, keys] = await Promise.all([
      props.api.get<{ users: TeamUser[] }>('/api/users').catch(() => ({ users: [] })),
      props.api.get<{ sites: Site[] }>('/api/sites').catch(() => ({ sites: [] })),
      props.api
        .get<{ apiKeys: Array<{ id: string; name: string }> }>('/api/api-keys')
        .catch(() => ({ apiKeys: [] })),
    ]);
    return { users: users.users, sites: sites.sites, keys: keys.apiKeys };
  });
  const known: Names = names.state === 'done' ? names.value : { users: [], sites: [], keys: [] };
  const show = (next: AuditQuery) => navigate(`/audit-log${serializeAuditQuery(next)}`);
  const filtered = query.action !== undefined || query.targetId !== undefined || query.actorId !== undefined;

  return (
    <div class="audit-log">
      <h1>Audit log</h1>
      <p class="muted">
        Every change to sites, people, keys and destinations: who made it, when and from where.
      </p>
      <form
        class="panel filters-form"
        aria-label="Filter the audit log"
        onSubmit={(event) => event.preventDefault()}
      >
        <label>
          What{' '}
          <select
            value={query.action ?? ''}
            onChange={(event) =>
              show({ ...query, action: event.currentTarget.value || undefined, before: undefined })
            }
          >
            <option value="">Everything</option>
            {ACTION_KINDS.map((kind) => (
              <option key={kind.kind} value={kind.kind}>
                {kind.label}
              </option>
            ))}
            {query.action !== undefined && !ACTION_KINDS.some((kind) => kind.kind === query.action) && (
              <option value={query.action}>{query.action}</option>
            )}
          </select>
        </label>
        <label>
          Site{' '}
          <select
            value={query.targetId ?? ''}
            onChange={(event) =>
              show({ ...query, targetId: event.currentTarget.value || undefined, before: undefined })
            }
          >
            <option value="">Any</option>
            {known.sites.map((site) => (
              <option key={site.id} value={site.id}>
                {site.name}
              </option>
            ))}
            {query.targetId !== undefined && !known.sites.some((site) => site.id === query.targetId) && (
              <option value={query.targetId}>{query.targetId}</option>
            )}
          </select>
        </label>
        <label>
          By{' '}
          <select
            value={query.actorId ?? ''}
            onChange={(event) =>
              show({ ...query, actorId: event.currentTarget.value || undefined, before: undefined })
            }
          >
            <option value="">Anyone</option>
            {known.users.map((user) => (
              <option key={user.id} value={user.id}>
                {user.email}
              </option>
            ))}
            {known.keys.map((key) => (
              <option key={key.id} value={key.id}>
                API key “{key.name}”
              </option>
            ))}
            {query.actorId !== undefined &&
              !known.users.some((user) => user.id === query.actorId) &&
              !known.keys.some((key) => key.id === query.actorId) && (
                <option value={query.actorId}>{query.actorId}</option>
              )}
          </select>
        </label>
        {filtered && <Link href={`/audit-log${serializeAuditQuery({})}`}>Show everything</Link>}
      </form>
      <section class="panel" aria-label="Entries">
        {entries.state === 'loading' && <p class="loading">Loading the audit log…</p>}
        {entries.state === 'failed' && (
          <p class="error" role="alert">
            The audit log could not be loaded: {entries.message}
          </p>
        )}
        {entries.state === 'done' && entries.value.entries.length === 0 && (
          <p class="empty">
            {filtered || query.before !== undefined
              ? 'Nothing matches. Choose other filters or show everything.'
              : 'Nothing has been changed yet. Changes to sites, people and keys appear here.'}
          </p>
        )}
        {entries.state === 'done' && entries.value.entries.length > 0 && (
          <>
            <div class="scroll">
              <table class="listing">
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Who</th>
                    <th scope="col">What</th>
                    <th scope="col">On</th>
                    <th scope="col">Details</th>
                    <th scope="col">IP</th>
                  </tr>
                </thead>
                <tbody>
                  {entries.value.entries.map((entry) => (
                    <tr key={entry.id}>
                      <td class="nowrap">{formatDateTime(entry.createdAt)}</td>
                      <td>{actorName(entry, known)}</td>
                      <td>
                        {describeAction(entry.action)}
                        <div>
                          <code class="muted">{entry.action}</code>
                        </div>
                      </td>
                      <td>{targetName(entry, known)}</td>
                      <td>{describeDetails(entry.details)}</td>
                      <td class="nowrap">{entry.ip ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <nav class="pager" aria-label="Pages">
              {query.before !== undefined && (
                <Link href={`/audit-log${serializeAuditQuery({ ...query, before: undefined })}`}>
                  Newest entries
                </Link>
              )}
              {entries.value.entries.length === PAGE_SIZE && (
                <Link
                  href={`/audit-log${serializeAuditQuery({ ...query, before: entries.value.entries.at(-1)!.id })}`}
                >
                  Older entries
                </Link>
              )}
            </nav>
          </>
        )}
      </section>
    </div>
  );
}

function actorName(entry: AuditEntry, known: Names): string {
  if (entry.actorType === 'system') return 'Beacon (command line)';
  if (entry.actorType === 'api_key') {
    const key = known.keys.find((candidate) => candidate.id === entry.actorId);
    return key === undefined ? `API key ${entry.actorId ?? ''}` : `API key “${key.name}”`;
  }
  return (
    known.users.find((user) => user.id === entry.actorId)?.email ?? entry.actorId ?? 'someone removed since'
  );
}

function targetName(entry: AuditEntry, known: Names): string {
  if (entry.targetId === null) return entry.targetType;
  if (entry.targetType === 'site') {
    const site = known.sites.find((candidate) => candidate.id === entry.targetId);
    if (site !== undefined) return `site ${site.name}`;
  }
  if (entry.targetType === 'user') {
    const user = known.users.find((candidate) => candidate.id === entry.targetId);
    if (user !== undefined) return user.email;
  }
  return `${entry.targetType} ${entry.targetId}`;
}
