import { useEffect, useRef, useState } from 'preact/hooks';

export type Loaded<T> =
  { state: 'loading' } | { state: 'failed'; message: string } | { state: 'done'; value: T };

/** How often each key was invalidated: a view that changed data (a site's settings) reloads its readers. */
const versions = new Map<string, number>();
const listeners = new Set<() => void>();

/** Every mounted `useRequest(key, …)` loads again, wherever it is on the page (the site switcher too). */
export function invalidate(key: string) {
  versions.set(key, (versions.get(key) ?? 0) + 1);
  for (const listener of listeners) listener();
}

/**
 * Runs `load` whenever `key` changes or is invalidated; an answer that arrives after a newer request
 * is dropped. Reloading after an invalidation keeps what is shown until the new answer is in, so
 * the view that changed the data (and its "Saved" message) stays on screen.
 */
export function useRequest<T>(key: string, load: () => Promise<T>): Loaded<T> {
  const [result, setResult] = useState<Loaded<T>>({ state: 'loading' });
  const [version, setVersion] = useState(() => versions.get(key) ?? 0);
  useEffect(() => {
    const listener = () => setVersion(versions.get(key) ?? 0);
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }, [key]);
  const loadedKey = useRef<string | undefined>(undefined);
  useEffect(() => {
    let current = true;
    if (loadedKey.current !== key) setResult({ state: 'loading' });
    loadedKey.current = key;
    load().then(
      (value) => current && setResult({ state: 'done', value }),
      (error: unknown) =>
        current &&
        setResult({ state: 'failed', message: error instanceof Error ? error.message : String(error) }),
    );
    return () => {
      current = false;
    };
  }, [key, version]);
  return result;
}
