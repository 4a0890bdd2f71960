import { useRef, useState } from 'preact/hooks';
import type { Api } from '../api.ts';
import { CopyButton, describedBy, Field } from '../form.tsx';
import { formFailure, type FormFailure } from '../form-failure.ts';
import { useRequest } from '../use-request.ts';
import type { PageProps } from '../view-props.ts';
import { formatDateTime } from '../format.ts';
import './team.css';

interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: Array<'read' | 'write'>;
  createdBy: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
}

const SCOPE_CHOICES = [
  {
    value: 'read',
    label: 'Read only',
    does: 'reads every site’s reports, leads and events, as a client viewer',
  },
  {
    value: 'read write',
    label: 'Read and write',
    does: 'also changes sites, funnels and destinations, as an admin',
  },
] as const;

/** Management API keys: create one (its secret shown once), list them, revoke one. */
export function ApiKeysView(props: PageProps) {
  const [version, setVersion] = useState(0);
  const keys = useRequest(`api-keys:${version}`, () => props.api.get<{ apiKeys: ApiKey[] }>('/api/api-keys'));
  const last = useRef<ApiKey[] | undefined>();
  if (keys.state === 'done') last.current = keys.value.apiKeys;
  const reload = () => setVersion((current) => current + 1);

  return (
    <div class="api-keys">
      <h1>API keys</h1>
      <p class="muted">
        Keys let scripts and other tools use Beacon’s API (<a href="/docs">documentation</a>) with{' '}
        <code>Authorization: Bearer &lt;key&gt;</code>. A key belongs to the agency, sees every site, and
        never manages people or keys.
      </p>
      <CreateKey api={props.api} onCreated={reload} />
      <section class="panel" aria-labelledby="keys-title">
        <h2 id="keys-title">Keys in use</h2>
        {keys.state === 'failed' && (
          <p class="error" role="alert">
            The keys could not be loaded: {keys.message}
          </p>
        )}
        {last.current === undefined ? (
          keys.state === 'loading' && <p class="loading">Loading the keys…</p>
        ) : last.current.length === 0 ? (
          <p class="empty">No keys yet. Create one above for each tool that calls the API.</p>
        ) : (
          <KeyList api={props.api} keys={last.current} onRevoked={reload} />
        )}
      </section>
    </div>
  );
}

function CreateKey(props: { api: Api; onCreated: () => void }) {
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<'read' | 'read write'>('read');
  const [expires, setExpires] = useState('');
  const [failure, setFailure] = useState<FormFailure | undefined>();
  const [created, setCreated] = useState<{ name: string; key: string } | undefined>();
  const [busy, setBusy] = useState(false);

  const create = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setFailure(undefined);
    try {
      const key = await props.api.post<ApiKey & { key: string }>('/api/api-keys', {
        name: name.trim(),
        scopes: scopes.split(' '),
        // The end of the chosen day in the browser's zone.
        ...(expires === '' ? {} : { expiresAt: new Date(`${expires}T23:59:59`).toISOString() }),
      });
      setCreated({ name: key.name, key: key.key });
      setName('');
      setExpires('');
      props.onCreated();
    } catch (error) {
      setFailure(formFailure(error, ['name', 'scopes', 'expiresAt']));
    } finally {
      setBusy(false);
    }
  };

  const errorOf = (field: string) => (failure?.field === field ? failure.message : undefined);
  return (
    <form class="panel key-form" onSubmit={create} aria-labelledby="create-key-title">
      <h2 id="create-key-title">Create a key</h2>
      {created !== undefined && (
        <div class="notice" role="status">
          <p>
            The key “{created.name}” is below. Copy it now: Beacon keeps only its fingerprint and shows it
            never again.
          </p>
          <pre class="secret" aria-label="The new API key">
            <code>{created.key}</code>
          </pre>
          <CopyButton text={created.key} label="Copy key" />{' '}
          <button type="button" class="link" onClick={() => setCreated(undefined)}>
            I have saved it: hide the key
          </button>
        </div>
      )}
      {failure !== undefined && failure.field === undefined && (
        <p class="error" role="alert">
          {failure.message}
        </p>
      )}
      <Field id="key-name" label="Name" hint="What uses it, e.g. Nightly CRM export." error={errorOf('name')}>
        <input
          id="key-name"
          type="text"
          required
          maxLength={200}
          value={name}
          aria-invalid={errorOf('name') !== undefined}
          aria-describedby={describedBy('key-name', true, errorOf('name'))}
          onInput={(event) => setName(event.currentTarget.value)}
        />
      </Field>
      <fieldset aria-describedby={describedBy('key-scopes', false, errorOf('scopes'))}>
        <legend>Access</legend>
        {SCOPE_CHOICES.map((choice) => (
          <label key={choice.value} class="check">
            <input
              type="radio"
              name="key-scopes"
              value={choice.value}
              checked={scopes === choice.value}
              onChange={() => setScopes(choice.value)}
            />{' '}
            <strong>{choice.label}</strong>
            <span class="muted"> — {choice.does}</span>
          </label>
        ))}
        {errorOf('scopes') !== undefined && (
          <p class="error field-error" id="key-scopes-error" role="alert">
            {errorOf('scopes')}
          </p>
        )}
      </fieldset>
      <Field
        id="key-expires"
        label="Expires on (optional)"
        hint="Empty: the key works until it is revoked."
        error={errorOf('expiresAt')}
      >
        <input
          id="key-expires"
          type="date"
          value={expires}
          aria-invalid={errorOf('expiresAt') !== undefined}
          aria-describedby={describedBy('key-expires', true, errorOf('expiresAt'))}
          onInput={(event) => setExpires(event.currentTarget.value)}
        />
      </Field>
      <div class="actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create key'}
        </button>
      </div>
    </form>
  );
}

function KeyList(props: { api: Api; keys: ApiKey[]; onRevoked: () => void }) {
  const [error, setError] = useState<string | undefined>();
  const [confirming, setConfirming] = useState<string | undefined>();
  const revoke = async (key: ApiKey) => {
    setError(undefined);
    try {
      await props.api.delete(`/api/api-keys/${encodeURIComponent(key.id)}`);
      setConfirming(undefined);
      props.onRevoked();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };
  return (
    <>
      {error !== undefined && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="scroll">
        <table class="listing">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Starts with</th>
              <th scope="col">Access</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Expires</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {props.keys.map((key) => (
              <tr key={key.id}>
                <td>{key.name}</td>
                <td>
                  <code>{key.prefix}…</code>
                </td>
                <td>{key.scopes.includes('write') ? 'Read and write' : 'Read only'}</td>
                <td>{formatDateTime(key.createdAt)}</td>
                <td>{key.lastUsedAt === null ? 'Never' : formatDateTime(key.lastUsedAt)}</td>
                <td>{key.expiresAt === null ? 'Never' : formatDateTime(key.expiresAt)}</td>
                <td>
                  {confirming === key.id ? (
                    <>
                      <button type="button" class="destructive" onClick={() => revoke(key)}>
                        Yes, revoke<span class="visually-hidden"> {key.name}</span>
                      </button>{' '}
                      <button type="button" onClick={() => setConfirming(undefined)}>
                        Cancel
                      </button>
                    </>
                  ) : (
                    <button type="button" class="link" onClick={() => setConfirming(key.id)}>
                      Revoke<span class="visually-hidden"> {key.name}</span>
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
