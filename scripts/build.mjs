// @ts-check
// Plain JavaScript run by plain node: `npm start` builds with it on a production install, where tsx
// and typescript (devDependencies) may be absent. esbuild is a dependency.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * `npm run build` compiles Beacon into dist/:
 * - main.js and cli.js: src/main.ts and src/cli.ts, each bundled into one ES module (packages stay in
 *   node_modules), with source maps for `node --enable-source-maps`;
 * - beacon.js: the tracker, which main.js reads from beside itself;
 * - migrations/*.sql: the migration runner, bundled into main.js and cli.js, reads them from beside itself;
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

/** Everything the output depends on besides node_modules. */
const INPUTS = ['src', 'tracker/src', 'tracker/build.mjs', 'scripts/build.mjs'];

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
  const [{ build }, { buildTracker }] = await Promise.all([
    import('esbuild'),
    import('../tracker/build.mjs'),
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
  fs.writeFileSync(FINGERPRINT, `${fingerprint}\n`);
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
  if (built) console.log(`built dist/ in ${Math.round(performance.now() - started)} ms`);
}
