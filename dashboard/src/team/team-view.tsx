import { useRef, useState } from 'preact/hooks';
import type { Api, Site } from '../api.ts';
import { CopyButton, describedBy, Field } from '../form.tsx';
import { formFailure, type FormFailure } from '../form-failure.ts';
import { useRequest } from '../use-request.ts';
import type { PageProps } from '../view-props.ts';
import { formatDateTime } from '../format.ts';
import {
  hasAssignedSites,
  invitableBy,
  isRole,
  mayRemove,
  ROLE_LABELS,
  rolesToOffer,
  type PendingInvitation,
  type Role,
  type TeamUser,
} from './team-model.ts';
import './team.css';

interface Team {
  users: TeamUser[];
  invitations: PendingInvitation[];
  sites: Site[];
}

/** The agency's people: roles, assigned sites, removal; invitations to send, list and revoke. */
export function TeamView(props: PageProps) {
  const [version, setVersion] = useState(0);
  const reload = () => setVersion((current) => current + 1);
  const team = useRequest(`team:${version}`, async (): Promise<Team> => {
    const [users, invitations, sites] = await Promise.all([
      props.api.get<{ users: TeamUser[] }>('/api/users'),
      props.api.get<{ invitations: PendingInvitation[] }>('/api/invitations'),
      props.api.get<{ sites: Site[] }>('/api/sites'),
    ]);
    return { users: users.users, invitations: invitations.invitations, sites: sites.sites };
  });
  const me = isRole(props.user.role) ? props.user.role : 'viewer';
  // While a change reloads the team, the page keeps showing the last answer, so that forms keep
  // their state (the notice of a sent invitation) instead of blinking away.
  const last = useRef<Team | undefined>();
  if (team.state === 'done') last.current = team.value;
  const shown = last.current;

  return (
    <div class="team">
      <h1>Team</h1>
      <RoleGuide />
      {team.state === 'loading' && shown === undefined && <p class="loading">Loading the team…</p>}
      {team.state === 'failed' && (
        <p class="error" role="alert">
          The team could not be loaded: {team.message}
        </p>
      )}
      {shown !== undefined && (
        <>
          <section class="panel" aria-labelledby="people-title">
            <h2 id="people-title">People</h2>
            <ul class="people">
              {shown.users.map((user) => (
                <PersonRow
                  key={user.id}
                  api={props.api}
                  me={me}
                  myId={props.user.id}
                  user={user}
                  sites={shown.sites}
                  onChanged={reload}
                />
              ))}
            </ul>
          </section>
          <InviteForm api={props.api} me={me} sites={shown.sites} onInvited={reload} />
          <Invitations
            api={props.api}
            invitations={shown.invitations}
            sites={shown.sites}
            onChanged={reload}
          />
        </>
      )}
    </div>
  );
}

function RoleGuide() {
  return (
    <details class="role-guide">
      <summary>What each role may do</summary>
      <dl>
        {(Object.keys(ROLE_LABELS) as Role[]).map((role) => (
          <div key={role}>
            <dt>{ROLE_LABELS[role].name}</dt>
            <dd>{ROLE_LABELS[role].does}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

/** The named sites in the agency's order (the switcher's); ids no live site has are left out. */
function siteNames(ids: string[], sites: Site[]): string {
  const names = sites.filter((site) => ids.includes(site.id)).map((site) => site.name);
  return names.length === 0 ? 'no sites yet' : names.join(', ');
}

function PersonRow(props: {
  api: Api;
  me: Role;
  myId: string;
  user: TeamUser;
  sites: Site[];
  onChanged: () => void;
}) {
  const { user } = props;
  const [error, setError] = useState<string | undefined>();
  const [editingSites, setEditingSites] = useState(false);
  const [confirmingRemoval, setConfirmingRemoval] = useState(false);
  const [busy, setBusy] = useState(false);
  const roles = rolesToOffer(props.me, props.myId, user);
  const path = `/api/users/${encodeURIComponent(user.id)}`;

  const run = async (change: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await change();
      setEditingSites(false);
      setConfirmingRemoval(false);
      props.onChanged();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  };

  const label = user.name === null ? user.email : `${user.name} (${user.email})`;
  return (
    <li class="person">
      <div class="who">
        <strong>{user.name ?? user.email}</strong>
        {user.name !== null && <span class="muted"> {user.email}</span>}
        {user.id === props.myId && <span class="badge">you</span>}
        <div class="muted">
          {user.lastLoginAt === null
            ? 'Never signed in'
            : `Last signed in ${formatDateTime(user.lastLoginAt)}`}
        </div>
      </div>
      <div class="role">
        {roles.length === 0 ? (
          <span>{ROLE_LABELS[user.role].name}</span>
        ) : (
          <label>
            <span class="visually-hidden">Role of {label}</span>
            <select
              value={user.role}
              disabled={busy}
              onChange={(event) => {
                const role = event.currentTarget.value;
                void run(() => props.api.patch(path, { role }));
              }}
            >
              {roles.map((role) => (
                <option key={role} value={role}>
                  {ROLE_LABELS[role].name}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <div class="sites">
        {hasAssignedSites(user.role) ? (
          <>
            <span>Sees {siteNames(user.siteIds, props.sites)}</span>{' '}
            {roles.length > 0 && !editingSites && (
              <button type="button" class="link" onClick={() => setEditingSites(true)}>
                Change sites<span class="visually-hidden"> of {label}</span>
              </button>
            )}
          </>
        ) : (
          <span class="muted">Sees every site</span>
        )}
      </div>
      {mayRemove(props.me, props.myId, user) && (
        <div class="remove">
          {confirmingRemoval ? (
            <>
              <span>Remove {label}? Their sessions and API keys end.</span>{' '}
              <button
                type="button"
                class="destructive"
                disabled={busy}
                onClick={() => run(() => props.api.delete(path))}
              >
                Yes, remove
              </button>{' '}
              <button type="button" onClick={() => setConfirmingRemoval(false)}>
                Cancel
              </button>
            </>
          ) : (
            <button type="button" class="link" onClick={() => setConfirmingRemoval(true)}>
              Remove<span class="visually-hidden"> {label}</span>
            </button>
          )}
        </div>
      )}
      {editingSites && (
        <SiteChooser
          legend={`Sites ${label} sees`}
          sites={props.sites}
          initial={user.siteIds}
          busy={busy}
          onCancel={() => setEditingSites(false)}
          onSave={(siteIds) => run(() => props.api.patch(path, { siteIds }))}
        />
      )}
      {error !== undefined && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}

function SiteChooser(props: {
  legend: string;
  sites: Site[];
  initial: string[];
  busy: boolean;
  onCancel: () => void;
  onSave: (siteIds: string[]) => void;
}) {
  const [chosen, setChosen] = useState(() => new Set(props.initial));
  const toggle = (id: string, on: boolean) =>
    setChosen((current) => {
      const next = new Set(current);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  return (
    <form
      class="site-chooser"
      onSubmit={(event) => {
        event.preventDefault();
        props.onSave(props.sites.filter((site) => chosen.has(site.id)).map((site) => site.id));
      }}
    >
      <fieldset>
        <legend>{props.legend}</legend>
        <SiteCheckboxes sites={props.sites} chosen={chosen} onToggle={toggle} />
      </fieldset>
      <div class="actions">
        <button type="submit" disabled={props.busy}>
          Save sites
        </button>
        <button type="button" class="link" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function SiteCheckboxes(props: {
  sites: Site[];
  chosen: Set<string>;
  onToggle: (id: string, on: boolean) => void;
}) {
  if (props.sites.length === 0) return <p class="hint">The agency has no sites yet: add one first.</p>;
  return (
    <>
      {props.sites.map((site) => (
        <label key={site.id} class="check">
          <input
            type="checkbox"
            checked={props.chosen.has(site.id)}
            onChange={(event) => props.onToggle(site.id, event.currentTarget.checked)}
          />{' '}
          {site.name} <span class="muted">{site.domain}</span>
        </label>
      ))}
    </>
  );
}

function InviteForm(props: { api: Api; me: Role; sites: Site[]; onInvited: () => void }) {
  const roles = invitableBy(props.me);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [chosen, setChosen] = useState<Set<string>>(() => new Set());
  const [failure, setFailure] = useState<FormFailure | undefined>();
  const [sent, setSent] = useState<{ email: string; link?: string } | undefined>();
  const [busy, setBusy] = useState(false);
  if (roles.length === 0) return null;

  const toggle = (id: string, on: boolean) =>
    setChosen((current) => {
      const next = new Set(current);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });

  const invite = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setFailure(undefined);
    setSent(undefined);
    try {
      const siteIds = hasAssignedSites(role)
        ? props.sites.filter((site) => chosen.has(site.id)).map((site) => site.id)
        : [];
      const created = await props.api.post<PendingInvitation & { token?: string }>('/api/invitations', {
        email: email.trim(),
        role,
        siteIds,
      });
      setSent({
        email: created.email,
        ...(created.token === undefined
          ? {}
          : { link: `${window.location.origin}/invite#token=${created.token}` }),
      });
      setEmail('');
      setChosen(new Set());
      props.onInvited();
    } catch (error) {
      setFailure(formFailure(error, ['email', 'role', 'siteIds']));
    } finally {
      setBusy(false);
    }
  };

  const errorOf = (field: string) => (failure?.field === field ? failure.message : undefined);
  return (
    <form class="panel invite" onSubmit={invite} aria-labelledby="invite-form-title">
      <h2 id="invite-form-title">Invite someone</h2>
      {sent !== undefined &&
        (sent.link === undefined ? (
          <p class="notice" role="status">
            Invitation mailed to {sent.email}. Its link works for 7 days.
          </p>
        ) : (
          <div class="notice" role="status">
            <p>
              This Beacon cannot send mail, so hand {sent.email} this link yourself, over a channel you trust.
              It is shown only now and works for 7 days.
            </p>
            <pre class="secret">
              <code>{sent.link}</code>
            </pre>
            <CopyButton text={sent.link} label="Copy link" />
          </div>
        ))}
      {failure !== undefined && failure.field === undefined && (
        <p class="error" role="alert">
          {failure.message}
        </p>
      )}
      <Field id="invite-email" label="Email" error={errorOf('email')}>
        <input
          id="invite-email"
          type="email"
          required
          value={email}
          aria-invalid={errorOf('email') !== undefined}
          aria-describedby={describedBy('invite-email', false, errorOf('email'))}
          onInput={(event) => setEmail(event.currentTarget.value)}
        />
      </Field>
      <fieldset aria-describedby={describedBy('invite-role', false, errorOf('role'))}>
        <legend>Role</legend>
        {roles.map((option) => (
          <label key={option} class="check">
            <input
              type="radio"
              name="invite-role"
              value={option}
              checked={role === option}
              onChange={() => setRole(option)}
            />{' '}
            <strong>{ROLE_LABELS[option].name}</strong>
            <span class="muted"> — {ROLE_LABELS[option].does}</span>
          </label>
        ))}
        {errorOf('role') !== undefined && (
          <p class="error field-error" id="invite-role-error" role="alert">
            {errorOf('role')}
          </p>
        )}
      </fieldset>
      {hasAssignedSites(role) && (
        <fieldset aria-describedby={describedBy('invite-sites', true, errorOf('siteIds'))}>
          <legend>Sites they see</legend>
          <SiteCheckboxes sites={props.sites} chosen={chosen} onToggle={toggle} />
          <p class="hint" id="invite-sites-hint">
            {chosen.size === 0 ? 'None chosen: they see nothing until you give them a site.' : ''}
          </p>
          {errorOf('siteIds') !== undefined && (
            <p class="error field-error" id="invite-sites-error" role="alert">
              {errorOf('siteIds')}
            </p>
          )}
        </fieldset>
      )}
      <div class="actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Inviting…' : 'Send invitation'}
        </button>
      </div>
    </form>
  );
}

function Invitations(props: {
  api: Api;
  invitations: PendingInvitation[];
  sites: Site[];
  onChanged: () => void;
}) {
  const [error, setError] = useState<string | undefined>();
  const revoke = async (invitation: PendingInvitation) => {
    setError(undefined);
    try {
      await props.api.delete(`/api/invitations/${encodeURIComponent(invitation.id)}`);
      props.onChanged();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };
  return (
    <section class="panel" aria-labelledby="invitations-title">
      <h2 id="invitations-title">Pending invitations</h2>
      {error !== undefined && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {props.invitations.length === 0 ? (
        <p class="empty">No invitation is waiting for an answer. Invite someone above.</p>
      ) : (
        <ul class="people">
          {props.invitations.map((invitation) => (
            <li key={invitation.id} class="person">
              <div class="who">
                <strong>{invitation.email}</strong>
                <div class="muted">Expires {formatDateTime(invitation.expiresAt)}</div>
              </div>
              <div class="role">{ROLE_LABELS[invitation.role].name}</div>
              <div class="sites">
                {hasAssignedSites(invitation.role)
                  ? `Will see ${siteNames(invitation.siteIds, props.sites)}`
                  : 'Will see every site'}
              </div>
              <div class="remove">
                <button type="button" class="link" onClick={() => revoke(invitation)}>
                  Revoke<span class="visually-hidden"> the invitation of {invitation.email}</span>
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
