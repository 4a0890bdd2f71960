import { useState } from 'preact/hooks';
import type { Api, Site } from '../api.ts';
import { useRequest } from '../use-request.ts';
import type { ReportSettings } from './report-data.ts';
import { parseRecipients } from './report-period.ts';

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

type Saving =
  { state: 'idle' } | { state: 'saving' } | { state: 'saved' } | { state: 'failed'; message: string };

/** The site's report mail: off, weekly on a weekday, or monthly, and who gets it. Owners and admins. */
export function ReportSettingsPanel(props: { api: Api; site: Site }) {
  const url = `/api/sites/${encodeURIComponent(props.site.id)}/report/settings`;
  const loaded = useRequest(`report-settings ${props.site.id}`, () => props.api.get<ReportSettings>(url));
  return (
    <section class="panel report-settings" aria-labelledby="report-settings-title">
      <h2 id="report-settings-title">Report by mail</h2>
      {loaded.state === 'loading' && <p class="loading">Loading…</p>}
      {loaded.state === 'failed' && (
        <p class="error" role="alert">
          The report schedule could not be loaded: {loaded.message}
        </p>
      )}
      {loaded.state === 'done' && (
        <SettingsForm api={props.api} url={url} initial={loaded.value} site={props.site} />
      )}
    </section>
  );
}

function SettingsForm(props: { api: Api; url: string; initial: ReportSettings; site: Site }) {
  const [frequency, setFrequency] = useState(props.initial.frequency);
  const [weekday, setWeekday] = useState(props.initial.weekday);
  const [recipients, setRecipients] = useState(props.initial.recipients.join('\n'));
  const [saving, setSaving] = useState<Saving>({ state: 'idle' });
  /** A change after a save: "Saved." no longer describes the form. */
  const edited =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      set(value);
      setSaving({ state: 'idle' });
    };

  async function save(event: Event) {
    event.preventDefault();
    setSaving({ state: 'saving' });
    try {
      const saved = await props.api.patch<ReportSettings>(props.url, {
        frequency,
        weekday,
        recipients: parseRecipients(recipients),
      });
      setRecipients(saved.recipients.join('\n'));
      setSaving({ state: 'saved' });
    } catch (error) {
      setSaving({ state: 'failed', message: error instanceof Error ? error.message : String(error) });
    }
  }

  return (
    <form class="report-form" onSubmit={save}>
      <label for="report-frequency">Send</label>
      <select
        id="report-frequency"
        value={frequency}
        onChange={(event) => edited(setFrequency)(event.currentTarget.value as ReportSettings['frequency'])}
      >
        <option value="off">Never</option>
        <option value="weekly">Weekly</option>
        <option value="monthly">Monthly, on the 1st</option>
      </select>
      {frequency === 'weekly' && (
        <>
          <label for="report-weekday">On</label>
          <select
            id="report-weekday"
            value={weekday}
            onChange={(event) => edited(setWeekday)(Number(event.currentTarget.value))}
          >
            {WEEKDAYS.map((name, index) => (
              <option key={name} value={index + 1}>
                {name}
              </option>
            ))}
          </select>
        </>
      )}
      <label class="report-recipients">
        Recipients (one address a line, at most 20)
        <textarea
          rows={3}
          value={recipients}
          onInput={(event) => edited(setRecipients)(event.currentTarget.value)}
        />
      </label>
      <p class="muted">
        {frequency === 'off'
          ? 'No report is mailed. Choose weekly or monthly to mail this report to your client.'
          : frequency === 'weekly'
            ? `Each ${WEEKDAYS[weekday - 1]} the report of the 7 days before it is mailed (days in ${props.site.timezone}).`
            : `On the 1st of each month the report of the month before is mailed (days in ${props.site.timezone}).`}
      </p>
      <div class="report-actions">
        <button type="submit" disabled={saving.state === 'saving'}>
          {saving.state === 'saving' ? 'Saving…' : 'Save schedule'}
        </button>
        {saving.state === 'saved' && (
          <span class="notice" role="status">
            Saved.
          </span>
        )}
      </div>
      {saving.state === 'failed' && (
        <p class="error" role="alert">
          The schedule was not saved: {saving.message}
        </p>
      )}
    </form>
  );
}
