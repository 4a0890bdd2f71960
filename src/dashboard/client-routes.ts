/**
 * Which request paths are the dashboard's own client-side routes (answered with index.html, so that a
 * bookmarked or reloaded `/sites/…` opens the app): every path but Beacon's server routes and files.
 * A path with a file extension is a file, so a missing asset or tracker alias stays a 404.
 */
const SERVER_PREFIXES = ['/api', '/docs', '/health', '/ready', '/metrics', '/assets', '/beacon.js'];

export function isClientRoute(path: string): boolean {
  if (!path.startsWith('/')) return false;
  const lower = path.toLowerCase();
  if (SERVER_PREFIXES.some((prefix) => lower === prefix || lower.startsWith(`${prefix}/`))) return false;
  const lastSegment = path.slice(path.lastIndexOf('/') + 1);
  return !lastSegment.includes('.');
}
