import { useState } from 'preact/hooks';
import type { Api, Breakdown, Site } from '../api.ts';
import { formatMetric } from '../format.ts';
import { Panel } from '../panel.tsx';
import { useRequest } from '../use-request.ts';
import { FieldError, fieldProps, FormAlert, formErrorOf, type FormError } from './form-error.tsx';
import { goalMatches, type Goal } from './funnel-model.ts';

const FORM = 'goal';
const GOAL_FIELDS = new Set(['name', 'eventName', 'pagePattern', 'revenueProperty']);

/**
 * A site's goals (what reports count as conversions) with their conversions in the range; writers
 * add goals (an event name or a page pattern, optionally a revenue property) and remove them.
 */
export function GoalsPanel(props: {
  api: Api;
  site: Site;
  range: { from: string; to: string };
  writable: boolean;
}) {
  const base = `/api/sites/${encodeURIComponent(props.site.id)}`;
  const [version, setVersion] = useState(0);
  const goals = useRequest(`goals ${props.site.id} ${version}`, () => props.api.get<Goal[]>(`${base}/goals`));
  const conversions = useRequest(
    `goal conversions ${props.site.id} ${props.range.from} ${props.range.to} ${version}`,
    () =>
      props.api.get<Breakdown>(`${base}/stats/breakdown`, {
        ...props.range,
        dimension: 'goal',
        limit: '100',
      }),
  );
  const [removeError, setRemoveError] = useState<string | undefined>();
  const remove = async (goal: Goal) => {
    if (!window.confirm(`Remove the goal “${goal.name}”? Reports stop counting it at once.`)) return;
    setRemoveError(undefined);
    try {
      await props.api.delete(`${base}/goals/${encodeURIComponent(goal.id)}`);
      setVersion(version + 1);
    } catch (error) {
      setRemoveError(`“${goal.name}” could not be removed: ${formErrorOf(error).message}`);
    }
  };
  const countOf = (goal: Goal) => {
    if (conversions.state === 'loading') return '…';
    if (conversions.state === 'failed') return '–';
    return formatMetric(
      conversions.value.rows.find((row) => row.value === goal.name)?.conversions ?? 0,
      'count',
    );
  };
  return (
    <Panel title="Goals" loaded={goals} card="goals">
      {(list) => (
        <>
          {list.length === 0 ? (
            <p class="empty">
              No goals yet: reports count no conversions.{' '}
              {props.writable
                ? 'Add one below: an event such as signup, or a page such as /thank-you*.'
                : 'Ask your agency to add the sign-ups or purchases that matter to you.'}
            </p>
          ) : (
            <div class="table-scroll">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Goal</th>
                    <th scope="col" class="number">
                      Conversions
                    </th>
                    {props.writable && (
                      <th scope="col">
                        <span class="visually-hidden">Actions</span>
                      </th>
                    )}
                  </tr>
                </thead>
                <tbody>
                  {list.map((goal) => (
                    <tr key={goal.id} data-goal={goal.name}>
                      <td>
                        <span class="goal-name">{goal.name}</span>
                        <span class="muted goal-match">
                          {goalMatches(goal)}
                          {goal.revenueProperty !== null && `, revenue from ${goal.revenueProperty}`}
                        </span>
                      </td>
                      <td class="number" data-value="conversions">
                        {countOf(goal)}
                      </td>
                      {props.writable && (
                        <td>
                          <button
                            type="button"
                            class="link"
                            aria-label={`Remove goal ${goal.name}`}
                            onClick={() => remove(goal)}
                          >
                            Remove
                          </button>
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {removeError !== undefined && (
            <p class="error" role="alert">
              {removeError}
            </p>
          )}
          {conversions.state === 'failed' && (
            <p class="error" role="alert">
              Conversions could not be loaded: {conversions.message}
            </p>
          )}
          {props.writable && (
            <GoalForm api={props.api} base={base} onCreated={() => setVersion(version + 1)} />
          )}
        </>
      )}
    </Panel>
  );
}

function GoalForm(props: { api: Api; base: string; onCreated: () => void }) {
  const [kind, setKind] = useState<'event' | 'page'>('event');
  const [form, setForm] = useState({ name: '', match: '', revenueProperty: '' });
  const [error, setError] = useState<FormError | undefined>();
  const [saving, setSaving] = useState(false);
  const matchField = kind === 'event' ? 'eventName' : 'pagePattern';
  const submit = async (event: Event) => {
    event.preventDefault();
    setSaving(true);
    setError(undefined);
    const body: Record<string, string> = { [matchField]: form.match.trim() };
    if (form.name.trim() !== '') body.name = form.name.trim();
    if (form.revenueProperty.trim() !== '') body.revenueProperty = form.revenueProperty.trim();
    try {
      await props.api.post(`${props.base}/goals`, body);
      setForm({ name: '', match: '', revenueProperty: '' });
      props.onCreated();
    } catch (failure) {
      setError(formErrorOf(failure));
    } finally {
      setSaving(false);
    }
  };
  return (
    <form onSubmit={submit} aria-label="Add a goal" noValidate>
      <h3>Add a goal</h3>
      <fieldset>
        <legend>A visitor converts when they</legend>
        <div class="choice">
          <label>
            <input
              type="radio"
              name="goal-kind"
              checked={kind === 'event'}
              onChange={() => setKind('event')}
            />
            send an event
          </label>
          <label>
            <input type="radio" name="goal-kind" checked={kind === 'page'} onChange={() => setKind('page')} />
            view a page
          </label>
        </div>
      </fieldset>
      <div class="row">
        <div class="field">
          <label>
            {kind === 'event' ? 'Event name' : 'Page pattern'}
            <input
              type="text"
              value={form.match}
              placeholder={kind === 'event' ? 'signup' : '/thank-you*'}
              onInput={(input) => setForm({ ...form, match: input.currentTarget.value })}
              {...fieldProps(error, FORM, matchField)}
            />
          </label>
          <FieldError error={error} form={FORM} field={matchField} />
        </div>
        <div class="field">
          <label>
            Name (optional)
            <input
              type="text"
              value={form.name}
              onInput={(input) => setForm({ ...form, name: input.currentTarget.value })}
              {...fieldProps(error, FORM, 'name')}
            />
          </label>
          <FieldError error={error} form={FORM} field="name" />
        </div>
        <div class="field">
          <label>
            Revenue property (optional)
            <input
              type="text"
              value={form.revenueProperty}
              placeholder="total"
              onInput={(input) => setForm({ ...form, revenueProperty: input.currentTarget.value })}
              {...fieldProps(error, FORM, 'revenueProperty')}
            />
          </label>
          <FieldError error={error} form={FORM} field="revenueProperty" />
        </div>
      </div>
      <p class="hint">
        {kind === 'page'
          ? 'A path; * matches any run of characters: /blog/* or /thank-you*.'
          : 'The name of a custom event your site sends.'}{' '}
        Without a revenue property, a conversion’s amount is the event’s value.
      </p>
      <FormAlert error={error} fields={(field) => GOAL_FIELDS.has(field)} />
      <div class="actions">
        <button type="submit" disabled={saving}>
          {saving ? 'Adding…' : 'Add goal'}
        </button>
      </div>
    </form>
  );
}
