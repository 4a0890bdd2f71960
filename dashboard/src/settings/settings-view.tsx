import { useState } from 'preact/hooks';
import type { Api } from '../api.ts';
import { CopyButton, describedBy, Field } from '../form.tsx';
import { formFailure, type FormFailure } from '../form-failure.ts';
import { formatMetric } from '../format.ts';
import { navigate } from '../navigation.ts';
import { invalidate, useRequest } from '../use-request.ts';
import type { SiteViewProps } from '../view-props.ts';
import {
  draftOf,
  SETTINGS_FIELDS,
  settingsChanges,
  timeZoneChoices,
  trackingSnippet,
  type SettingsDraft,
  type SiteSettings,
} from './site-settings.ts';
import './settings.css';

function sitePathOf(siteId: string): string {
  return `/api/sites/${encodeURIComponent(siteId)}`;
}

/** A site's settings (owners and admins; the site frame shows the tab to them only). */
export function SettingsView(props: SiteViewProps) {
  const loaded = useRequest(`settings:${props.site.id}`, () =>
    props.api.get<SiteSettings>(sitePathOf(props.site.id)),
  );
  if (loaded.state === 'loading') return <p class="loading">Loading the settings…</p>;
  if (loaded.state === 'failed')
    return (
      <p class="error" role="alert">
        The settings could not be loaded: {loaded.message}
      </p>
    );
  return (
    <div class="settings">
      <SettingsForm key={loaded.value.id} api={props.api} site={loaded.value} />
      <SnippetPanel site={loaded.value} />
      <DeletePanel api={props.api} site={loaded.value} />
    </div>
  );
}

const ZONES: readonly string[] = Intl.supportedValuesOf('timeZone');

function SettingsForm(props: { api: Api; site: SiteSettings }) {
  const [saved, setSaved] = useState(props.site);
  const [draft, setDraft] = useState<SettingsDraft>(() => draftOf(props.site));
  const [failure, setFailure] = useState<FormFailure | undefined>();
  const [status, setStatus] = useState<'idle' | 'saving' | 'saved'>('idle');
  const changes = settingsChanges(saved, draft);
  const dirty = Object.keys(changes).length > 0;

  const edit = <K extends keyof SettingsDraft>(key: K, value: SettingsDraft[K]) => {
    setDraft((current) => ({ ...current, [key]: value }));
    setStatus('idle');
  };
  const errorOf = (field: keyof SettingsDraft) => (failure?.field === field ? failure.message : undefined);

  const save = async (event: Event) => {
    event.preventDefault();
    if (!dirty) return;
    setStatus('saving');
    setFailure(undefined);
    try {
      const site = await props.api.patch<SiteSettings>(sitePathOf(saved.id), changes);
      setSaved(site);
      setDraft(draftOf(site));
      setStatus('saved');
      // The switcher, the overview's time zone and the site list read the sites: they show the change now.
      invalidate('sites');
    } catch (error) {
      setFailure(formFailure(error, SETTINGS_FIELDS));
      setStatus('idle');
    }
  };

  const text = (field: 'name' | 'domain' | 'trackerAlias', label: string, hint?: string) => (
    <Field id={`settings-${field}`} label={label} hint={hint} error={errorOf(field)}>
      <input
        id={`settings-${field}`}
        type="text"
        value={draft[field]}
        aria-invalid={errorOf(field) !== undefined}
        aria-describedby={describedBy(`settings-${field}`, hint !== undefined, errorOf(field))}
        onInput={(event) => edit(field, event.currentTarget.value)}
      />
    </Field>
  );
  const check = (
    field: 'cookieless' | 'respectDnt' | 'companyIdentificationWithoutConsent',
    label: string,
    hint: string,
  ) => (
    <div class="field check">
      <label>
        <input
          type="checkbox"
          checked={draft[field]}
          aria-describedby={describedBy(`settings-${field}`, true, errorOf(field))}
          onChange={(event) => edit(field, event.currentTarget.checked)}
        />{' '}
        {label}
      </label>
      <p class="hint" id={`settings-${field}-hint`}>
        {hint}
      </p>
      {errorOf(field) !== undefined && (
        <p class="error field-error" id={`settings-${field}-error`} role="alert">
          {errorOf(field)}
        </p>
      )}
    </div>
  );

  return (
    <form class="panel settings-form" onSubmit={save} aria-labelledby="settings-title">
      <h2 id="settings-title">Site settings</h2>
      {failure !== undefined && failure.field === undefined && (
        <p class="error" role="alert">
          {failure.message}
        </p>
      )}
      <fieldset>
        <legend>Site</legend>
        {text('name', 'Name')}
        {text('domain', 'Domain', 'The host of the site’s pages, e.g. www.example.com; always accepted.')}
        <Field
          id="settings-allowedDomains"
          label="Other allowed domains"
          hint="One a line: further hosts whose pages may send events; *.example.com allows its subdomains."
          error={errorOf('allowedDomains')}
        >
          <textarea
            id="settings-allowedDomains"
            rows={3}
            value={draft.allowedDomains}
            aria-invalid={errorOf('allowedDomains') !== undefined}
            aria-describedby={describedBy('settings-allowedDomains', true, errorOf('allowedDomains'))}
            onInput={(event) => edit('allowedDomains', event.currentTarget.value)}
          />
        </Field>
        <Field
          id="settings-timezone"
          label="Time zone"
          hint="Reports count days in this zone."
          error={errorOf('timezone')}
        >
          <select
            id="settings-timezone"
            value={draft.timezone}
            aria-invalid={errorOf('timezone') !== undefined}
            aria-describedby={describedBy('settings-timezone', true, errorOf('timezone'))}
            onChange={(event) => edit('timezone', event.currentTarget.value)}
          >
            {timeZoneChoices(saved.timezone, ZONES).map((zone) => (
              <option key={zone} value={zone}>
                {zone}
              </option>
            ))}
          </select>
        </Field>
      </fieldset>
      <fieldset>
        <legend>Privacy and data</legend>
        {check(
          'cookieless',
          'Cookieless mode',
          'Never keep visitor ids from the browser, even with consent: each visit counts on its own.',
        )}
        {check(
          'respectDnt',
          'Respect Do Not Track',
          'Drop events from browsers that send DNT: 1. Global Privacy Control is always honoured.',
        )}
        {check(
          'companyIdentificationWithoutConsent',
          'Identify companies without consent',
          'Under legitimate interest: addresses of visitors without analytics consent go to the online IP provider too. Off: only the offline databases see them.',
        )}
        <Field
          id="settings-retentionDays"
          label="Keep events for (days)"
          hint={`How many days this site’s events are kept (1 to 3,650). Now ${formatMetric(saved.retentionDays, 'count')}.`}
          error={errorOf('retentionDays')}
        >
          <input
            id="settings-retentionDays"
            type="number"
            inputMode="numeric"
            min={1}
            max={3650}
            value={draft.retentionDays}
            aria-invalid={errorOf('retentionDays') !== undefined}
            aria-describedby={describedBy('settings-retentionDays', true, errorOf('retentionDays'))}
            onInput={(event) => edit('retentionDays', event.currentTarget.value)}
          />
        </Field>
      </fieldset>
      <fieldset aria-describedby={describedBy('settings-botPolicy', true, errorOf('botPolicy'))}>
        <legend>Bots</legend>
        <label class="check">
          <input
            type="radio"
            name="botPolicy"
            value="flag"
            checked={draft.botPolicy === 'flag'}
            onChange={() => edit('botPolicy', 'flag')}
          />{' '}
          Keep bot traffic, marked as bots (reports leave it out)
        </label>
        <label class="check">
          <input
            type="radio"
            name="botPolicy"
            value="drop"
            checked={draft.botPolicy === 'drop'}
            onChange={() => edit('botPolicy', 'drop')}
          />{' '}
          Drop bot traffic on arrival
        </label>
        <p class="hint" id="settings-botPolicy-hint">
          Known crawlers, headless browsers and data-centre addresses count as bots.
        </p>
        {errorOf('botPolicy') !== undefined && (
          <p class="error field-error" id="settings-botPolicy-error" role="alert">
            {errorOf('botPolicy')}
          </p>
        )}
      </fieldset>
      <fieldset>
        <legend>Tracker</legend>
        {text(
          'trackerAlias',
          'Tracker path alias',
          'Another path Beacon serves the tracker at, e.g. js/app.js, that blockers do not know. Empty: /beacon.js only.',
        )}
      </fieldset>
      <div class="actions">
        <button type="submit" disabled={!dirty || status === 'saving'}>
          {status === 'saving' ? 'Saving…' : 'Save changes'}
        </button>
        {dirty && (
          <button type="button" class="link" onClick={() => setDraft(draftOf(saved))}>
            Discard changes
          </button>
        )}
        <span role="status">{status === 'saved' ? 'Saved.' : dirty ? 'Unsaved changes.' : ''}</span>
      </div>
    </form>
  );
}

function SnippetPanel(props: { site: SiteSettings }) {
  const snippet = trackingSnippet(window.location.origin, props.site);
  return (
    <section class="panel" aria-labelledby="snippet-title">
      <h2 id="snippet-title">Tracking snippet</h2>
      <p>
        Put this tag in the <code>&lt;head&gt;</code> of every page of {props.site.domain}. It counts page
        views by itself; <code>beacon('event', 'Signup')</code> sends an event.
      </p>
      <pre class="snippet">
        <code>{snippet}</code>
      </pre>
      <CopyButton text={snippet} label="Copy snippet" />
      <p class="hint">
        Servers send events with the secret write key (it starts with <code>{props.site.writeKeyPrefix}</code>
        ; it was shown once, when the site was made).
      </p>
    </section>
  );
}

function DeletePanel(props: { api: Api; site: SiteSettings }) {
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const confirmed = typed.trim().toLowerCase() === props.site.domain;

  const remove = async (event: Event) => {
    event.preventDefault();
    if (!confirmed) return;
    setBusy(true);
    setError(undefined);
    try {
      await props.api.delete(sitePathOf(props.site.id));
      invalidate('sites');
      navigate('/', { replace: true });
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
      setBusy(false);
    }
  };

  return (
    <form class="panel danger" onSubmit={remove} aria-labelledby="delete-title">
      <h2 id="delete-title">Delete this site</h2>
      <p>
        Tracking stops at once: the snippet’s events are refused from then on, and the site and its reports
        leave the dashboard. For 30 days an owner or admin can restore it, data and keys intact, from the list
        of sites; after that the site and all of its data are deleted for good.
      </p>
      {error !== undefined && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <Field id="delete-confirm" label={`Type the domain, ${props.site.domain}, to confirm`}>
        <input
          id="delete-confirm"
          type="text"
          autocomplete="off"
          value={typed}
          onInput={(event) => setTyped(event.currentTarget.value)}
        />
      </Field>
      <div class="actions">
        <button type="submit" class="destructive" disabled={!confirmed || busy}>
          {busy ? 'Deleting…' : 'Delete site'}
        </button>
      </div>
    </form>
  );
}
