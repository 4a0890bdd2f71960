import { describe, expect, it } from 'vitest';
import { parseTheme } from './theme.ts';

describe('parseTheme', () => {
  it.each([
    ['light', 'light'],
    ['dark', 'dark'],
    ['system', 'system'],
    [null, 'system'],
    [undefined, 'system'],
    ['', 'system'],
    ['DARK', 'system'],
    ['<script>', 'system'],
  ])('%j → %s', (stored, theme) => {
    expect(parseTheme(stored)).toBe(theme);
  });
});
