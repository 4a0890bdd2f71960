/** Client-side navigation: the History API, and a listener the app re-renders on. */

const listeners = new Set<() => void>();

export function navigate(url: string, options: { replace?: boolean } = {}) {
  if (options.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  for (const listener of listeners) listener();
}

export function onNavigate(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}
