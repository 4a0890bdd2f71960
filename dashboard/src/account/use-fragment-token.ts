import { useEffect, useState } from 'preact/hooks';
import { tokenFromFragment } from './token-fragment.ts';

/**
 * The token in the address's fragment, kept current: a mailed link opened in a tab that already
 * shows the page changes only the fragment, and the page must take the new token.
 */
export function useFragmentToken(): string | undefined {
  const [token, setToken] = useState(() => tokenFromFragment(window.location.hash));
  useEffect(() => {
    const update = () => setToken(tokenFromFragment(window.location.hash));
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return token;
}
