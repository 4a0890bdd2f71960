import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import './form.css';

/** The ids a field's input points at with aria-describedby: its hint and its error, when shown. */
export function describedBy(id: string, hint: boolean, error: string | undefined): string | undefined {
  const ids = [hint ? `${id}-hint` : undefined, error === undefined ? undefined : `${id}-error`].filter(
    (entry) => entry !== undefined,
  );
  return ids.length === 0 ? undefined : ids.join(' ');
}

/**
 * A labelled input with its hint and, after a failed save, the API's message right under it. The
 * input itself is the child; give it `id` and `aria-describedby={describedBy(id, !!hint, error)}`.
 */
export function Field(props: {
  id: string;
  label: string;
  hint?: ComponentChildren;
  error?: string;
  children: ComponentChildren;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.hint !== undefined && (
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      )}
      {props.error !== undefined && (
        <p class="error field-error" id={`${props.id}-error`} role="alert">
          {props.error}
        </p>
      )}
    </div>
  );
}

/**
 * Copies `text` to the clipboard and says so; where the page may not write the clipboard (no HTTPS,
 * permission refused) it says to copy by hand, which the text shown beside it allows.
 */
export function CopyButton(props: { text: string; label?: string }) {
  const [outcome, setOutcome] = useState<'copied' | 'failed' | undefined>();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.text);
      setOutcome('copied');
    } catch {
      setOutcome('failed');
    }
  };
  return (
    <span class="copy">
      <button type="button" onClick={copy}>
        {props.label ?? 'Copy'}
      </button>
      <span role="status" class="muted">
        {outcome === 'copied'
          ? 'Copied.'
          : outcome === 'failed'
            ? 'Could not copy: select the text and copy it.'
            : ''}
      </span>
    </span>
  );
}
