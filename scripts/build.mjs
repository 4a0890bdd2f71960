// @ts-check
// Plain JavaScript run by plain node: `npm start` builds with it on a production install, where tsx
// and typescript (devDependencies) may be absent. esbuild is a dependency.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

/**
 * `npm run build` compiles Beacon into dist/:
 * - main.js and cli.js: src/main.ts and src/cli.ts, each bundled into one ES module (packages stay in
 *   node_modules), with source maps for `node --enable-source-maps`;
 * - beacon.js: the tracker, which main.js reads from beside itself;
 * - migrations/*.sql: the migration runner, bundled into main.js and cli.js, reads them from beside itself;
 * - dashboard/: the dashboard (dashboard/, Preact) built by Vite into static files, which main.js serves
 *   at / (index.html, and assets/ with content hashes in their names);
 * - inputs.sha256: a fingerprint of what it was built from, written last.
 *
 * `--if-stale` builds only when the sources' fingerprint differs from dist's, which is what `npm start`
 * runs first. A fingerprint of contents rather than modification times, so that sources unpacked or
 * copied with older times than an earlier build still count as changed.
 */

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
export const DIST = path.join(root, 'dist');
const FINGERPRINT = path.join(DIST, 'inputs.sha256');
const MIGRATIONS = path.join(root, 'src', 'db', 'migrations');
const DASHBOARD_DIST = path.join(DIST, 'dashboard');

/** Everything the output depends on besides node_modules. */
const INPUTS = ['src', 'tracker/src', 'tracker/build.mjs', 'dashboard', 'scripts/build.mjs'];

/** @param {string} entry @returns {string[]} the files of `entry`, relative to the root, sorted */
function filesOf(entry) {
  const full = path.join(root, entry);
  if (!fs.statSync(full).isDirectory()) return entry.endsWith('.test.ts') ? [] : [entry];
  return fs
    .readdirSync(full)
    .sort()
    .flatMap((name) => filesOf(path.join(entry, name)));
}

export function inputsFingerprint() {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap(filesOf)) {
    hash
      .update(`${file}\0`)
      .update(fs.readFileSync(path.join(root, file)))
      .update('\0');
  }
  return hash.digest('hex');
}

export function isStale() {
  const built = fs.existsSync(FINGERPRINT) ? fs.readFileSync(FINGERPRINT, 'utf8').trim() : undefined;
  return built !== inputsFingerprint();
}

export async function buildAll() {
  // Imported here, so that the check of an up-to-date build loads nothing but node's own modules.
  const [{ build }, { buildTracker }, vite] = await Promise.all([
    import('esbuild'),
    import('../tracker/build.mjs'),
    import('vite'),
  ]);
  const fingerprint = inputsFingerprint();
  fs.rmSync(DIST, { recursive: true, force: true });
  await build({
    absWorkingDir: root,
    entryPoints: ['src/main.ts', 'src/cli.ts'],
    outdir: DIST,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  });
  const { code } = await buildTracker();
  fs.writeFileSync(path.join(DIST, 'beacon.js'), code);
  fs.cpSync(MIGRATIONS, path.join(DIST, 'migrations'), { recursive: true });
  await vite.build({
    root: path.join(root, 'dashboard'),
    configFile: false,
    logLevel: 'warn',
    base: '/',
    oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
    build: {
      outDir: DASHBOARD_DIST,
      emptyOutDir: true,
      assetsDir: 'assets',
      target: 'es2022',
      reportCompressedSize: false,
    },
  });
  fs.writeFileSync(FINGERPRINT, `${fingerprint}\n`);
}

/**
 * Gzipped bytes of the JavaScript a browser loads for the dashboard's first view: the scripts and
 * module preloads that index.html names (chunks loaded later by a dynamic import are not counted).
 */
export function firstViewScriptBytes() {
  const html = fs.readFileSync(path.join(DASHBOARD_DIST, 'index.html'), 'utf8');
  const scripts = [
    ...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="\/([^"]+\.js)"/g),
  ];
  return scripts.reduce(
    (total, [, file]) =>
      total + gzipSync(fs.readFileSync(path.join(DASHBOARD_DIST, file ?? '')), { level: 9 }).length,
    0,
  );
}

/** Builds when dist/ is missing or was built from other sources; true when it built. */
export async function buildIfStale() {
  if (!isStale()) return false;
  await buildAll();
  return true;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = performance.now();
  const ifStale = process.argv.includes('--if-stale');
  const built = ifStale ? await buildIfStale() : (await buildAll(), true);
  if (built) {
    const kilobytes = (firstViewScriptBytes() / 1024).toFixed(1);
    console.log(
      `built dist/ in ${Math.round(performance.now() - started)} ms; the dashboard's first view loads ${kilobytes} KB of JavaScript gzipped`,
    );
  }
}
