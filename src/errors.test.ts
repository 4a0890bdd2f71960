import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/** The layering rule of eslint.config.js, checked on probe sources placed where real files live. */
describe('domain code does not depend on http/', () => {
  const eslint = new ESLint();
  const importOfHttp =
    "import { renderError } from '../http/errors.ts';\nexport const probe = renderError;\n";

  it.each([
    ['src/companies/probe.ts', 1],
    ['src/ingest/deep/probe.ts', 1],
    ['src/companies/probe-routes.ts', 0],
    ['src/http/probe.ts', 0],
    ['src/main.ts', 0],
  ])('%s importing http/ → %i layering errors', async (filePath, expected) => {
    const [result] = await eslint.lintText(importOfHttp, { filePath });
    const layering = result!.messages.filter((message) => message.ruleId === 'no-restricted-imports');
    expect(layering, JSON.stringify(result!.messages)).toHaveLength(expected);
  });
});
