import { useEffect, useState } from 'preact/hooks';
import { formatDateTime, formatMetric } from '../format.ts';
import { useRequest } from '../use-request.ts';
import {
  type Delivery,
  type DestinationHealth,
  type DestinationsApi,
  type TestResult,
} from './destination-api.ts';
import { typeSpec, type Destination } from './destination-forms.ts';
import { HealthSummary } from './health-summary.tsx';
import { LOG_FILTERS, type LogFilter } from './destinations-url.ts';

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

const STATUS_LABELS: Record<Delivery['status'], string> = {
  pending: 'Pending',
  retrying: 'Retrying',
  delivered: 'Delivered',
  dead: 'Failed',
  skipped: 'Skipped',
};

const FILTER_LABELS: Record<LogFilter, string> = {
  all: 'All',
  pending: 'Pending',
  retrying: 'Retrying',
  delivered: 'Delivered',
  dead: 'Failed (dead letters)',
  skipped: 'Skipped',
};

/** One destination: what it forwards, a test, its health, its dead letters with replay, its log. */
export function DestinationDetail(props: {
  destination: Destination;
  health: DestinationHealth | undefined;
  calls: DestinationsApi;
  canManage: boolean;
  log: LogFilter;
  /** Bumped whenever something changed, so every panel reloads. */
  version: number;
  onEdit: () => void;
  onChanged: () => void;
  onDeleted: () => void;
  onLogFilter: (filter: LogFilter) => void;
}) {
  const { destination, calls } = props;
  const spec = typeSpec(destination.type);
  const [test, setTest] = useState<
    { state: 'running' } | { state: 'done'; result: TestResult } | undefined
  >();
  const [actionError, setActionError] = useState<string | undefined>();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [busy, setBusy] = useState(false);

  const runTest = async () => {
    setTest({ state: 'running' });
    try {
      setTest({ state: 'done', result: await calls.test(destination.id) });
    } catch (error) {
      setTest({ state: 'done', result: { ok: false, messages: [messageOf(error)] } });
    }
  };

  const act = async (action: () => Promise<unknown>, after: () => void) => {
    setBusy(true);
    setActionError(undefined);
    try {
      await action();
      after();
    } catch (error) {
      setActionError(messageOf(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="destination-detail">
      <section class="panel">
        <div class="destination-head">
          <div>
            <h2>{destination.name}</h2>
            <p class="muted">
              {spec?.label ?? destination.type} ·{' '}
              <span class={destination.enabled ? 'badge on' : 'badge off'}>
                {destination.enabled ? 'Enabled' : 'Disabled'}
              </span>
            </p>
          </div>
          {props.canManage && (
            <div class="actions">
              <button type="button" class="primary" onClick={runTest} disabled={test?.state === 'running'}>
                {test?.state === 'running' ? 'Sending a test event…' : 'Send a test event'}
              </button>
              <button type="button" onClick={props.onEdit}>
                Edit
              </button>
              <button
                type="button"
                disabled={busy}
                onClick={() =>
                  act(() => calls.update(destination.id, { enabled: !destination.enabled }), props.onChanged)
                }
              >
                {destination.enabled ? 'Disable' : 'Enable'}
              </button>
              <button type="button" class="danger" onClick={() => setConfirmDelete(true)}>
                Delete…
              </button>
            </div>
          )}
        </div>
        {confirmDelete && (
          <div class="confirm" role="group" aria-label="Confirm deletion">
            <p>
              Delete <strong>{destination.name}</strong>? Nothing more is sent to it, and its delivery log and
              dead letters are removed. This cannot be undone.
            </p>
            <div class="actions">
              <button
                type="button"
                class="danger"
                disabled={busy}
                onClick={() => act(() => calls.remove(destination.id), props.onDeleted)}
              >
                Delete for good
              </button>
              <button type="button" onClick={() => setConfirmDelete(false)}>
                Keep it
              </button>
            </div>
          </div>
        )}
        {actionError !== undefined && (
          <p class="error" role="alert">
            {actionError}
          </p>
        )}
        {test?.state === 'done' && <TestOutcome result={test.result} />}
        <ConfigSummary destination={destination} />
        <HealthSummary health={props.health} />
      </section>
      <DeadLetters
        calls={calls}
        destinationId={destination.id}
        canManage={props.canManage}
        version={props.version}
        onReplayed={props.onChanged}
      />
      <DeliveryLog
        calls={calls}
        destinationId={destination.id}
        filter={props.log}
        version={props.version}
        onFilter={props.onLogFilter}
      />
    </div>
  );
}

/** The stored event a delivery carries (`evt_…`), or what a webhook delivery is. */
function EventOf(props: { delivery: Delivery }) {
  return props.delivery.eventId === null ? (
    <>hot-lead notification</>
  ) : (
    <code class="event-id">{props.delivery.eventId}</code>
  );
}

function TestOutcome(props: { result: TestResult }) {
  const { ok, messages } = props.result;
  return (
    <div class={ok ? 'test-result ok' : 'test-result failed'} role={ok ? 'status' : 'alert'}>
      <h3>{ok ? 'Test event accepted' : 'Test event refused'}</h3>
      {messages.length === 0 ? (
        <p>{ok ? 'The platform accepted it and said nothing more.' : 'The platform gave no reason.'}</p>
      ) : (
        <ul>
          {messages.map((message, index) => (
            <li key={index}>{message}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** What is configured, secrets only as "set": the values that help to recognise the account. */
function ConfigSummary(props: { destination: Destination }) {
  const { destination } = props;
  const spec = typeSpec(destination.type);
  if (spec === undefined) return null;
  const rows = spec.fields
    .filter((field) => !field.local)
    .map((field) => {
      const path = field.key.split('.');
      let value: unknown = destination.config;
      for (const key of field.secret ? [...path.slice(0, -1), `${path.at(-1)}Set`] : path) {
        value =
          value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
      }
      if (field.secret) return value === true ? { label: field.label, value: 'Set (hidden)' } : undefined;
      return typeof value === 'string' ? { label: field.label, value } : undefined;
    })
    .filter((row) => row !== undefined);
  return (
    <div class="config-summary">
      <dl>
        {rows.map((row) => (
          <div key={row.label}>
            <dt>{row.label}</dt>
            <dd>{row.value}</dd>
          </div>
        ))}
      </dl>
      {spec.rules && (
        <>
          <h3>Forwards</h3>
          <ul class="rule-list">
            {destination.events.map((rule, index) => (
              <li key={index}>
                <code>{rule.match === '*' ? '* (every page view and event)' : rule.match}</code>
                {rule.as !== undefined && <> → {rule.as}</>}
                {rule.conversionActionId !== undefined && <> (conversion action {rule.conversionActionId})</>}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

function DeadLetters(props: {
  calls: DestinationsApi;
  destinationId: string;
  canManage: boolean;
  version: number;
  onReplayed: () => void;
}) {
  const dead = useRequest(`dead:${props.destinationId}:${props.version}`, () =>
    props.calls.deliveries(props.destinationId, 'dead'),
  );
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const [outcome, setOutcome] = useState<{ ok: boolean; message: string } | undefined>();
  const [replaying, setReplaying] = useState(false);
  useEffect(() => setSelected(new Set()), [props.version]);

  const replay = async (ids: number[] | undefined) => {
    setReplaying(true);
    try {
      const { requeued } = await props.calls.replay(props.destinationId, ids);
      setOutcome({
        ok: true,
        message:
          requeued === 0
            ? 'Nothing to replay: those deliveries are no longer dead letters.'
            : `${formatMetric(requeued, 'count')} ${requeued === 1 ? 'delivery' : 'deliveries'} queued again with a fresh retry budget; they go out within a minute.`,
      });
      props.onReplayed();
    } catch (error) {
      setOutcome({ ok: false, message: messageOf(error) });
    } finally {
      setReplaying(false);
    }
  };

  const toggle = (id: number, on: boolean) =>
    setSelected((current) => {
      const next = new Set(current);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });

  return (
    <section class="panel" aria-labelledby="dead-letters-title">
      <h2 id="dead-letters-title">Dead letters</h2>
      {outcome !== undefined && (
        <p class={outcome.ok ? 'notice' : 'error'} role={outcome.ok ? 'status' : 'alert'}>
          {outcome.message}
        </p>
      )}
      {dead.state === 'loading' && <p class="loading">Loading…</p>}
      {dead.state === 'failed' && (
        <p class="error" role="alert">
          The dead letters could not be loaded: {dead.message}
        </p>
      )}
      {dead.state === 'done' && dead.value.deliveries.length === 0 && (
        <p class="empty">
          No dead letters: nothing has failed for good. Deliveries the platform refuses land here with its
          answer, for you to fix the cause and replay them.
        </p>
      )}
      {dead.state === 'done' && dead.value.deliveries.length > 0 && (
        <>
          <p class="muted">
            These deliveries failed for good. Fix the cause (credentials, configuration, the platform's answer
            below), then send them again.
            {dead.value.nextBefore !== null &&
              ' Only the newest 50 are listed; “Replay all” sends every one.'}
          </p>
          {props.canManage && (
            <div class="actions">
              <button
                type="button"
                disabled={replaying || selected.size === 0}
                onClick={() => replay([...selected])}
              >
                Replay selected ({formatMetric(selected.size, 'count')})
              </button>
              <button type="button" class="primary" disabled={replaying} onClick={() => replay(undefined)}>
                Replay all dead letters
              </button>
            </div>
          )}
          <ul class="deliveries dead-letters">
            {dead.value.deliveries.map((delivery) => (
              <li key={delivery.id}>
                {props.canManage && (
                  <input
                    type="checkbox"
                    id={`dead-${delivery.id}`}
                    checked={selected.has(delivery.id)}
                    onChange={(event) => toggle(delivery.id, event.currentTarget.checked)}
                  />
                )}
                <label for={`dead-${delivery.id}`}>
                  <span class="delivery-id">
                    Delivery {delivery.id} · <EventOf delivery={delivery} />
                  </span>{' '}
                  <span class="muted">
                    {formatDateTime(delivery.createdAt)} · {formatMetric(delivery.attempts, 'count')}{' '}
                    {delivery.attempts === 1 ? 'attempt' : 'attempts'}
                  </span>
                  <span class="delivery-error">{delivery.lastError ?? 'No error recorded'}</span>
                </label>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function DeliveryLog(props: {
  calls: DestinationsApi;
  destinationId: string;
  filter: LogFilter;
  version: number;
  onFilter: (filter: LogFilter) => void;
}) {
  const first = useRequest(`log:${props.destinationId}:${props.filter}:${props.version}`, () =>
    props.calls.deliveries(props.destinationId, props.filter),
  );
  const [older, setOlder] = useState<{ deliveries: Delivery[]; nextBefore: number | null } | undefined>();
  const [olderError, setOlderError] = useState<string | undefined>();
  useEffect(() => setOlder(undefined), [first]);

  const shown = first.state === 'done' ? [...first.value.deliveries, ...(older?.deliveries ?? [])] : [];
  const nextBefore =
    older !== undefined ? older.nextBefore : first.state === 'done' ? first.value.nextBefore : null;
  const loadOlder = async () => {
    if (nextBefore === null) return;
    try {
      const page = await props.calls.deliveries(props.destinationId, props.filter, nextBefore);
      setOlder({
        deliveries: [...(older?.deliveries ?? []), ...page.deliveries],
        nextBefore: page.nextBefore,
      });
      setOlderError(undefined);
    } catch (error) {
      setOlderError(messageOf(error));
    }
  };

  return (
    <section class="panel" aria-labelledby="delivery-log-title">
      <div class="panel-head">
        <h2 id="delivery-log-title">Delivery log</h2>
        <label>
          Show{' '}
          <select
            value={props.filter}
            onChange={(event) => props.onFilter(event.currentTarget.value as LogFilter)}
          >
            {LOG_FILTERS.map((filter) => (
              <option key={filter} value={filter}>
                {FILTER_LABELS[filter]}
              </option>
            ))}
          </select>
        </label>
      </div>
      {first.state === 'loading' && <p class="loading">Loading…</p>}
      {first.state === 'failed' && (
        <p class="error" role="alert">
          The delivery log could not be loaded: {first.message}
        </p>
      )}
      {first.state === 'done' && shown.length === 0 && (
        <p class="empty">
          {props.filter === 'all'
            ? 'Nothing sent yet. Deliveries appear here as the site’s events match this destination’s rules; “Send a test event” checks the setup without waiting.'
            : `No ${FILTER_LABELS[props.filter].toLowerCase()} deliveries. Choose “All” to see every one.`}
        </p>
      )}
      {shown.length > 0 && (
        <div class="table-scroll">
          <table class="delivery-log">
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col" class="number">
                  Attempts
                </th>
                <th scope="col">Platform’s answer</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((delivery) => (
                <tr key={delivery.id} data-delivery={delivery.id}>
                  <td>{formatDateTime(delivery.createdAt)}</td>
                  <td class="event">
                    <EventOf delivery={delivery} />
                  </td>
                  <td>
                    <span class={`status ${delivery.status}`}>{STATUS_LABELS[delivery.status]}</span>
                  </td>
                  <td class="number attempts">{formatMetric(delivery.attempts, 'count')}</td>
                  <td class="answer">
                    {delivery.lastError ??
                      (delivery.deliveredAt !== null
                        ? `Delivered ${formatDateTime(delivery.deliveredAt)}`
                        : delivery.nextAttemptAt !== null
                          ? `Next attempt ${formatDateTime(delivery.nextAttemptAt)}`
                          : '')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {olderError !== undefined && (
        <p class="error" role="alert">
          Older deliveries could not be loaded: {olderError}
        </p>
      )}
      {nextBefore !== null && (
        <button type="button" onClick={loadOlder}>
          Older deliveries
        </button>
      )}
    </section>
  );
}
