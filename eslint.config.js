import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules', 'data', 'dist', 'coverage', 'tracker/dist'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Only src/config.ts reads process.env.' },
      ],
    },
  },
  {
    // Domain code knows nothing of HTTP: it throws AppError (src/errors.ts) and http/ maps codes to
    // status. Only route files, which are the HTTP edge of each capability, and the composition root
    // may import from http/.
    files: ['src/**/*.ts'],
    ignores: ['src/http/**', 'src/**/*-routes.ts', 'src/**/*.test.ts', 'src/main.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/http/*', '**/http/**'],
              message: 'Domain code must not depend on HTTP: throw AppError from src/errors.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    // Plain-JavaScript build scripts (run without tsx): tsc checks them (checkJs), globals included.
    files: ['**/*.mjs'],
    rules: { 'no-undef': 'off' },
  },
  {
    files: ['src/config.ts', 'test/**', 'bench/**', 'vitest.config.ts', '**/*.test.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
