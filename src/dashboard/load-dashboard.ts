import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

/** One built file of the dashboard, held in memory with its gzip precomputed. */
export interface DashboardFile {
  body: Buffer;
  gzipped: Buffer;
  contentType: string;
  etag: string;
}

/** The built dashboard (`npm run build` → dist/dashboard): index.html and assets/ by file name. */
export interface DashboardFiles {
  index: DashboardFile;
  assets: Map<string, DashboardFile>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

function dashboardFile(name: string, body: Buffer): DashboardFile {
  return {
    body,
    gzipped: gzipSync(body, { level: 9 }),
    contentType: CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream',
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
  };
}

/** Reads the built dashboard from `dir` (a few files, about 100 KB), once at start-up. */
export async function loadDashboard(dir: string): Promise<DashboardFiles> {
  const index = await fs.readFile(path.join(dir, 'index.html')).catch(() => {
    throw new Error(`the dashboard ${path.join(dir, 'index.html')} is missing: run npm run build`);
  });
  const assetsDir = path.join(dir, 'assets');
  const names = await fs.readdir(assetsDir).catch(() => [] as string[]);
  const assets = new Map<string, DashboardFile>();
  for (const name of names)
    assets.set(name, dashboardFile(name, await fs.readFile(path.join(assetsDir, name))));
  return { index: dashboardFile('index.html', index), assets };
}
