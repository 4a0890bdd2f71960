/**
 * The colour theme: the system's, or light or dark as chosen in the menu. The choice is a harmless
 * preference, so it is kept in localStorage; styles.css reads it from `data-theme` on <html>.
 */

export type Theme = 'system' | 'light' | 'dark';

const KEY = 'beacon.theme';

export function parseTheme(value: string | null | undefined): Theme {
  return value === 'light' || value === 'dark' ? value : 'system';
}

export function storedTheme(): Theme {
  try {
    return parseTheme(localStorage.getItem(KEY));
  } catch {
    return 'system';
  }
}

export function applyTheme(theme: Theme) {
  if (theme === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
  try {
    if (theme === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, theme);
  } catch {
    // Storage refused (private mode, a policy): the theme still holds for this page.
  }
}
