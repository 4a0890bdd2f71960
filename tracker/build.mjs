// @ts-check
// Plain JavaScript, so that `npm start` can build the tracker on a production install, where tsx
// (a devDependency) may be absent.
import { build } from 'esbuild';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

// Resolved from this file, not the cwd: the build and the tests run it from wherever they are.
const entry = fileURLToPath(new URL('./src/beacon.ts', import.meta.url));

/**
 * Bundles the browser tracker into one minified IIFE, the body served as /beacon.js.
 * @returns {Promise<{ code: string; gzipBytes: number }>}
 */
export async function buildTracker() {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2019'],
    // The project's tsconfig (strict, hence alwaysStrict) would prepend "use strict": 13 bytes the
    // tracker does not need. Its source is type-checked as strict all the same (npm run check), and it
    // relies on nothing strict mode changes at run time: no `this` in plain functions, no `arguments`.
    tsconfigRaw: { compilerOptions: { alwaysStrict: false } },
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.text ?? '';
  return { code, gzipBytes: gzipSync(code, { level: 9 }).length };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { code, gzipBytes } = await buildTracker();
  console.log(`beacon.js: ${code.length} bytes, ${gzipBytes} bytes gzipped`);
}
