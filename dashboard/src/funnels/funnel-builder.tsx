import { useEffect, useState } from 'preact/hooks';
import type { Api, Breakdown, Site } from '../api.ts';
import { useRequest } from '../use-request.ts';
import { FunnelChart } from './funnel-chart.tsx';
import { FieldError, fieldProps, FormAlert, formErrorOf, type FormError } from './form-error.tsx';
import {
  canPreview,
  DEFAULT_WINDOW,
  draftsOf,
  emptyStep,
  MAX_STEPS,
  MIN_STEPS,
  stepsOf,
  WINDOWS,
  type Funnel,
  type FunnelReport,
  type StepDraft,
} from './funnel-model.ts';

const FORM = 'funnel';
/** How long the builder waits after the last keystroke before it asks for a preview. */
const PREVIEW_DELAY_MS = 400;

interface Preview {
  /** The last report counted, kept while the next one loads. */
  report?: FunnelReport;
  loading: boolean;
  error?: FormError;
}

/**
 * Builds a funnel from page patterns and event names, counting it live over the range as the steps
 * change (POST …/funnels/query); writers save it. A 400 shows next to the step or field it names.
 */
export function FunnelBuilder(props: {
  api: Api;
  site: Site;
  range: { from: string; to: string };
  compare: boolean;
  writable: boolean;
  /** A saved funnel to start from (a copy: saving it makes another funnel). */
  start?: Funnel;
  onSaved: (funnel: Funnel) => void;
}) {
  const base = `/api/sites/${encodeURIComponent(props.site.id)}`;
  const [drafts, setDrafts] = useState<StepDraft[]>(() =>
    props.start ? draftsOf(props.start.steps) : [emptyStep('page'), emptyStep('event')],
  );
  const [windowMinutes, setWindowMinutes] = useState(props.start?.window ?? DEFAULT_WINDOW);
  const [name, setName] = useState('');
  const [preview, setPreview] = useState<Preview>({ loading: false });
  const [saveError, setSaveError] = useState<FormError | undefined>();
  const [saving, setSaving] = useState(false);

  const ready = canPreview(drafts);
  const query = JSON.stringify({
    steps: stepsOf(drafts),
    window: windowMinutes,
    ...props.range,
    ...(props.compare ? { compare: 'previous' } : {}),
  });
  useEffect(() => {
    if (!ready) {
      setPreview({ loading: false });
      return;
    }
    let current = true;
    setPreview((last) => ({ ...(last.report ? { report: last.report } : {}), loading: true }));
    const timer = setTimeout(() => {
      props.api.post<FunnelReport>(`${base}/funnels/query`, JSON.parse(query)).then(
        (report) => current && setPreview({ report, loading: false }),
        (error: unknown) => current && setPreview({ loading: false, error: formErrorOf(error) }),
      );
    }, PREVIEW_DELAY_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [query, ready]);

  const pages = useSuggestions(props.api, base, 'page', props.range);
  const events = useSuggestions(props.api, base, 'event', props.range);

  const update = (index: number, change: Partial<StepDraft>) => {
    setSaveError(undefined);
    setDrafts(drafts.map((draft, position) => (position === index ? { ...draft, ...change } : draft)));
  };
  const move = (index: number, by: -1 | 1) => {
    const next = [...drafts];
    [next[index], next[index + by]] = [next[index + by]!, next[index]!];
    setDrafts(next);
  };

  const save = async (event: Event) => {
    event.preventDefault();
    setSaving(true);
    setSaveError(undefined);
    try {
      const funnel = await props.api.post<Funnel>(`${base}/funnels`, {
        name: name.trim(),
        steps: stepsOf(drafts),
        window: windowMinutes,
      });
      setName('');
      props.onSaved(funnel);
    } catch (error) {
      setSaveError(formErrorOf(error));
    } finally {
      setSaving(false);
    }
  };

  // A save's error names what the user just asked for; else the preview's.
  const error = saveError ?? preview.error;
  const isStepField = (field: string) => /^steps\.\d+\./.test(field);
  return (
    <section class="panel" aria-labelledby="funnel-builder-title">
      <h2 id="funnel-builder-title">Build a funnel</h2>
      <form onSubmit={save} noValidate aria-label="Build a funnel">
        <p class="hint">
          Steps are pages (a path; * matches any characters, as in /blog/*) or custom events, in the order
          visitors must take them. The chart below counts them as you type.
        </p>
        <datalist id="funnel-pages">
          {pages.map((value) => (
            <option key={value} value={value} />
          ))}
        </datalist>
        <datalist id="funnel-events">
          {events.map((value) => (
            <option key={value} value={value} />
          ))}
        </datalist>
        <ol class="funnel-steps">
          {drafts.map((draft, index) => {
            const field = `steps.${index}.${draft.kind}`;
            const stepError = error?.field?.startsWith(`steps.${index}.`) ? error : undefined;
            return (
              <li key={index} data-step={index + 1}>
                <fieldset>
                  <legend>Step {index + 1}</legend>
                  <div class="row">
                    <div class="field">
                      <label>
                        Step {index + 1} is a
                        <select
                          value={draft.kind}
                          onChange={(change) =>
                            update(index, { kind: change.currentTarget.value as StepDraft['kind'] })
                          }
                        >
                          <option value="page">Page view</option>
                          <option value="event">Custom event</option>
                        </select>
                      </label>
                    </div>
                    <div class="field">
                      <label>
                        Step {index + 1} {draft.kind === 'page' ? 'page pattern' : 'event name'}
                        <input
                          type="text"
                          value={draft.value}
                          list={draft.kind === 'page' ? 'funnel-pages' : 'funnel-events'}
                          placeholder={draft.kind === 'page' ? '/pricing' : 'signup'}
                          onInput={(input) => update(index, { value: input.currentTarget.value })}
                          {...fieldProps(stepError, FORM, field)}
                        />
                      </label>
                    </div>
                    <div class="field">
                      <label>
                        Step {index + 1} label (optional)
                        <input
                          type="text"
                          value={draft.label}
                          onInput={(input) => update(index, { label: input.currentTarget.value })}
                          {...fieldProps(stepError, FORM, `steps.${index}.label`)}
                        />
                      </label>
                    </div>
                  </div>
                  {stepError?.field !== undefined && (
                    <FieldError error={stepError} form={FORM} field={stepError.field} />
                  )}
                  <div class="step-actions">
                    <button type="button" disabled={index === 0} onClick={() => move(index, -1)}>
                      Move up<span class="visually-hidden"> step {index + 1}</span>
                    </button>
                    <button
                      type="button"
                      disabled={index === drafts.length - 1}
                      onClick={() => move(index, 1)}
                    >
                      Move down<span class="visually-hidden"> step {index + 1}</span>
                    </button>
                    <button
                      type="button"
                      disabled={drafts.length <= MIN_STEPS}
                      onClick={() => setDrafts(drafts.filter((_, position) => position !== index))}
                    >
                      Remove<span class="visually-hidden"> step {index + 1}</span>
                    </button>
                  </div>
                </fieldset>
              </li>
            );
          })}
        </ol>
        <div class="row">
          <button
            type="button"
            disabled={drafts.length >= MAX_STEPS}
            onClick={() => setDrafts([...drafts, emptyStep(drafts[drafts.length - 1]?.kind)])}
          >
            Add step
          </button>
          <div class="field">
            <label>
              Visitors must finish within
              <select
                value={String(windowMinutes)}
                onChange={(change) => setWindowMinutes(Number(change.currentTarget.value))}
                {...fieldProps(error, FORM, 'window')}
              >
                {WINDOWS.map((option) => (
                  <option key={option.minutes} value={String(option.minutes)}>
                    {option.label}
                  </option>
                ))}
              </select>
            </label>
            <FieldError error={error} form={FORM} field="window" />
          </div>
        </div>
        <section class="preview" aria-live="polite" aria-label="Preview">
          <h3>Preview</h3>
          {!ready && (
            <p class="empty preview-state">
              Give at least {MIN_STEPS} steps a page pattern or event name to see how many visitors take them.
            </p>
          )}
          {ready && preview.loading && <p class="loading preview-state">Counting…</p>}
          {ready && preview.report && !preview.error && (
            <FunnelChart report={preview.report} name="the funnel being built" />
          )}
        </section>
        {props.writable ? (
          <div class="row">
            <div class="field">
              <label>
                Funnel name
                <input
                  type="text"
                  value={name}
                  placeholder="Signup"
                  onInput={(input) => {
                    setSaveError(undefined);
                    setName(input.currentTarget.value);
                  }}
                  {...fieldProps(error, FORM, 'name')}
                />
              </label>
              <FieldError error={error} form={FORM} field="name" />
            </div>
            <button type="submit" disabled={saving}>
              {saving ? 'Saving…' : 'Save funnel'}
            </button>
          </div>
        ) : (
          <p class="hint">Only your agency saves funnels; you can build and read them here.</p>
        )}
        <FormAlert
          error={error}
          fields={(field) => isStepField(field) || field === 'window' || field === 'name'}
        />
      </form>
    </section>
  );
}

/** Values of a dimension seen in the range, as suggestions for a step (none when they fail to load). */
function useSuggestions(
  api: Api,
  base: string,
  dimension: 'page' | 'event',
  range: { from: string; to: string },
): string[] {
  const loaded = useRequest(`suggest ${base} ${dimension} ${range.from} ${range.to}`, () =>
    api.get<Breakdown>(`${base}/stats/breakdown`, { ...range, dimension, limit: '50' }),
  );
  if (loaded.state !== 'done') return [];
  return loaded.value.rows.map((row) => row.value).filter((value) => value !== '(none)');
}
