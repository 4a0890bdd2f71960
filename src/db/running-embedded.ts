import fs from 'node:fs/promises';
import path from 'node:path';
import { canConnect, embeddedConnectionString, isAlive } from './embedded.ts';

/** How long to wait for a Beacon that is still starting its embedded database. */
const STARTING_WAIT_MS = 60_000;

/**
 * The embedded database of a Beacon running on this data directory, for tools beside it (the CLI):
 * while Beacon runs, the cluster is Beacon's, and a second server on it is refused. Undefined when
 * no Beacon runs there (the caller then starts the database itself). A Beacon that is still
 * starting is waited for; one whose database does not answer within a minute is an error.
 */
export async function findRunningEmbedded(
  dataDir: string,
): Promise<{ pid: number; connectionString: string } | undefined> {
  const dir = path.join(dataDir, 'postgres');
  const pid = Number(await fs.readFile(path.join(dir, 'beacon.pid'), 'utf8').catch(() => ''));
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  const deadline = Date.now() + STARTING_WAIT_MS;
  while (isAlive(pid)) {
    const connectionString = await embeddedConnectionString(dir).catch(() => undefined);
    if (connectionString !== undefined && (await canConnect(connectionString)))
      return { pid, connectionString };
    if (Date.now() > deadline) {
      throw new Error(
        `Beacon (pid ${pid}) runs on the embedded database in ${dir}, which does not answer; ` +
          'see its postgres.log, or stop that Beacon and try again',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return undefined;
}
