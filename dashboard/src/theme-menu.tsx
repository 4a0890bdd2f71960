import { useState } from 'preact/hooks';
import { applyTheme, parseTheme, storedTheme, type Theme } from './theme.ts';

const LABELS: Record<Theme, string> = { system: 'System', light: 'Light', dark: 'Dark' };

export function ThemeMenu() {
  const [theme, setTheme] = useState(storedTheme);
  return (
    <label class="theme-menu">
      <span class="visually-hidden">Theme</span>
      <select
        value={theme}
        onChange={(event) => {
          const next = parseTheme(event.currentTarget.value);
          applyTheme(next);
          setTheme(next);
        }}
      >
        {(Object.keys(LABELS) as Theme[]).map((option) => (
          <option key={option} value={option}>
            {LABELS[option]} theme
          </option>
        ))}
      </select>
    </label>
  );
}
