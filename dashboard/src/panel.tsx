import type { ComponentChildren } from 'preact';
import type { Loaded } from './use-request.ts';

/** A titled panel that says it is loading, shows the failure as a message, or renders the answer. */
export function Panel<T>(props: {
  title: string;
  loaded: Loaded<T>;
  card?: string;
  children: (value: T) => ComponentChildren;
}) {
  return (
    <section class="panel" data-card={props.card} aria-busy={props.loaded.state === 'loading'}>
      <h2>{props.title}</h2>
      {props.loaded.state === 'loading' && <p class="loading">Loading…</p>}
      {props.loaded.state === 'failed' && (
        <p class="error" role="alert">
          This could not be loaded: {props.loaded.message}
        </p>
      )}
      {props.loaded.state === 'done' && props.children(props.loaded.value)}
    </section>
  );
}
