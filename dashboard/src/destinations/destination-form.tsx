import { useState } from 'preact/hooks';
import { ApiError } from '../api.ts';
import type { DestinationsApi } from './destination-api.ts';
import {
  configFor,
  errorPlace,
  eventsFor,
  fieldApplies,
  initialValues,
  rulesToRows,
  secretIsSet,
  type Destination,
  type FieldSpec,
  type FormValues,
  type RuleRow,
  type TypeSpec,
} from './destination-forms.ts';

interface Problem {
  /** A form key (`apiSecret`, `events.0.match`), or undefined for the form as a whole. */
  key: string | undefined;
  message: string;
}

const inputId = (key: string) => `destination-${key.replaceAll('.', '-')}`;

/** Add or edit a destination of one type; the API's 400 shows next to the field it names. */
export function DestinationForm(props: {
  spec: TypeSpec;
  calls: DestinationsApi;
  existing?: Destination;
  onSaved: (destination: Destination) => void;
  onCancel: () => void;
}) {
  const { spec, existing } = props;
  const [values, setValues] = useState<FormValues>(() => initialValues(spec, existing));
  const [enabled, setEnabled] = useState(existing?.enabled ?? true);
  const [rows, setRows] = useState<RuleRow[]>(() => rulesToRows(existing?.events ?? []));
  const [problem, setProblem] = useState<Problem | undefined>();
  const [saving, setSaving] = useState(false);

  const set = (key: string, value: string) => setValues((current) => ({ ...current, [key]: value }));
  const setRow = (index: number, part: keyof RuleRow, value: string) =>
    setRows((current) => current.map((row, at) => (at === index ? { ...row, [part]: value } : row)));
  const errorOf = (key: string) => (problem?.key === key ? problem.message : undefined);

  const submit = async (event: Event) => {
    event.preventDefault();
    setSaving(true);
    setProblem(undefined);
    const name = values.name?.trim() ?? '';
    const config = configFor(spec, values, existing);
    const events = spec.rules ? eventsFor(rows, existing?.events) : undefined;
    try {
      const saved =
        existing === undefined
          ? await props.calls.create({
              type: spec.type,
              ...(name === '' ? {} : { name }),
              enabled,
              config,
              ...(events === undefined ? {} : { events }),
            })
          : await props.calls.update(existing.id, {
              ...(name === '' || name === existing.name ? {} : { name }),
              ...(enabled === existing.enabled ? {} : { enabled }),
              ...(Object.keys(config).length === 0 ? {} : { config }),
              ...(events === undefined ? {} : { events }),
            });
      props.onSaved(saved);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const place = errorPlace(spec, error instanceof ApiError ? error.field : undefined, values);
      setProblem({ key: place.kind === 'field' ? place.key : undefined, message });
      setSaving(false);
    }
  };

  return (
    <form class="panel destination-form" onSubmit={submit} noValidate>
      <h2>
        {existing === undefined ? (
          `Add ${spec.label}`
        ) : (
          <>
            Edit {existing.name}
            <span class="muted"> · {spec.label}</span>
          </>
        )}
      </h2>
      <p class="muted">{spec.summary}</p>
      {problem !== undefined && problem.key === undefined && (
        <p class="error" role="alert">
          {problem.message}
        </p>
      )}
      <TextField
        id={inputId('name')}
        label="Name"
        hint="How this destination is listed here; left empty, it is named after its platform."
        value={values.name ?? ''}
        placeholder={spec.label}
        error={errorOf('name')}
        onInput={(value) => set('name', value)}
      />
      {spec.fields
        .filter((field) => fieldApplies(field, values))
        .map((field) => (
          <ConfigField
            key={field.key}
            field={field}
            value={values[field.key] ?? ''}
            stored={field.secret === true && secretIsSet(existing, field.key)}
            editing={existing !== undefined}
            error={errorOf(field.key)}
            onInput={(value) => set(field.key, value)}
          />
        ))}
      {existing !== undefined && spec.fields.some((field) => field.key.startsWith('oauth.')) && (
        <p class="muted">
          To keep the stored Google credential, leave its fields as they are; to change it, enter it whole.
        </p>
      )}
      {spec.rules && (
        <RulesEditor spec={spec} rows={rows} problem={problem} setRow={setRow} setRows={setRows} />
      )}
      <label class="check">
        <input
          type="checkbox"
          checked={enabled}
          onChange={(event) => setEnabled(event.currentTarget.checked)}
        />
        {spec.rules ? 'Send events to this destination' : 'Send notifications to this webhook'}
      </label>
      <div class="actions">
        <button type="submit" class="primary" disabled={saving}>
          {saving ? 'Saving…' : existing === undefined ? 'Add destination' : 'Save changes'}
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function FieldError(props: { id: string; message: string | undefined }) {
  if (props.message === undefined) return null;
  return (
    <p class="field-error" id={`${props.id}-error`} role="alert">
      {props.message}
    </p>
  );
}

function TextField(props: {
  id: string;
  label: string;
  hint: string;
  value: string;
  placeholder?: string;
  error: string | undefined;
  multiline?: boolean;
  secret?: boolean;
  onInput: (value: string) => void;
}) {
  const described = `${props.id}-hint${props.error === undefined ? '' : ` ${props.id}-error`}`;
  const common = {
    id: props.id,
    value: props.value,
    placeholder: props.placeholder,
    'aria-describedby': described,
    'aria-invalid': props.error !== undefined ? ('true' as const) : undefined,
    autoComplete: 'off',
    spellcheck: false,
  };
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.multiline ? (
        <textarea {...common} rows={6} onInput={(event) => props.onInput(event.currentTarget.value)} />
      ) : (
        <input
          {...common}
          type={props.secret ? 'password' : 'text'}
          onInput={(event) => props.onInput(event.currentTarget.value)}
        />
      )}
      <p class="hint" id={`${props.id}-hint`}>
        {props.hint}
      </p>
      <FieldError id={props.id} message={props.error} />
    </div>
  );
}

function ConfigField(props: {
  field: FieldSpec;
  value: string;
  stored: boolean;
  editing: boolean;
  error: string | undefined;
  onInput: (value: string) => void;
}) {
  const { field } = props;
  const id = inputId(field.key);
  if (field.options !== undefined) {
    return (
      <div class="field">
        <label for={id}>{field.label}</label>
        <select
          id={id}
          value={props.value}
          aria-describedby={`${id}-hint`}
          onChange={(event) => props.onInput(event.currentTarget.value)}
        >
          {field.options.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
        <p class="hint" id={`${id}-hint`}>
          {field.hint}
        </p>
        <FieldError id={id} message={props.error} />
      </div>
    );
  }
  const secretNote = !field.secret
    ? ''
    : props.stored
      ? ' Stored encrypted and never shown again: leave empty to keep it.'
      : ' Stored encrypted and never shown again.';
  return (
    <TextField
      id={id}
      label={`${field.label}${field.optional ? ' (optional)' : ''}`}
      hint={`${field.hint}${secretNote}`}
      value={props.value}
      placeholder={props.stored ? 'Set: leave empty to keep' : field.placeholder}
      error={props.error}
      multiline={field.multiline}
      secret={field.secret && !field.multiline}
      onInput={props.onInput}
    />
  );
}

function RulesEditor(props: {
  spec: TypeSpec;
  rows: RuleRow[];
  problem: Problem | undefined;
  setRow: (index: number, part: keyof RuleRow, value: string) => void;
  setRows: (update: (rows: RuleRow[]) => RuleRow[]) => void;
}) {
  const { spec, rows, problem } = props;
  const parts: Array<{ part: keyof RuleRow; label: string; placeholder: string }> = [
    { part: 'match', label: 'Beacon event', placeholder: 'purchase' },
    { part: 'as', label: 'Sent as', placeholder: spec.asExample },
    ...(spec.ruleConversionAction
      ? [{ part: 'conversionActionId' as const, label: 'Conversion action ID', placeholder: '555000111' }]
      : []),
  ];
  const rulesError = problem?.key === 'events' ? problem.message : undefined;
  return (
    <fieldset class="rules" aria-describedby="destination-rules-hint">
      <legend>Forwarding rules</legend>
      <p class="hint" id="destination-rules-hint">
        Which events go out, and under which name. Match <code>pageview</code>, <code>identify</code>, a
        custom event's name, or <code>*</code> for every page view and event; “Sent as” is the platform's
        event name (empty: Beacon chooses). No rules: the default, {spec.defaultRules}.
      </p>
      {rows.length > 0 && (
        <ol class="rule-rows">
          {rows.map((row, index) => (
            <li key={index} class="rule-row">
              {parts.map(({ part, label, placeholder }) => {
                const key = `events.${index}.${part}`;
                const id = inputId(key);
                const message = problem?.key === key ? problem.message : undefined;
                return (
                  <div class="field" key={part}>
                    <label for={id}>
                      {label} <span class="visually-hidden">of rule {index + 1}</span>
                    </label>
                    <input
                      id={id}
                      value={row[part]}
                      placeholder={placeholder}
                      autoComplete="off"
                      spellcheck={false}
                      aria-invalid={message !== undefined ? 'true' : undefined}
                      aria-describedby={message !== undefined ? `${id}-error` : undefined}
                      onInput={(event) => props.setRow(index, part, event.currentTarget.value)}
                    />
                    <FieldError id={id} message={message} />
                  </div>
                );
              })}
              <button
                type="button"
                class="link"
                onClick={() => props.setRows((current) => current.filter((_, at) => at !== index))}
              >
                Remove rule {index + 1}
              </button>
            </li>
          ))}
        </ol>
      )}
      <FieldError id="destination-events" message={rulesError} />
      <button
        type="button"
        onClick={() =>
          props.setRows((current) => [...current, { match: '', as: '', conversionActionId: '' }])
        }
      >
        Add a rule
      </button>
    </fieldset>
  );
}
