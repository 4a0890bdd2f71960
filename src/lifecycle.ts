/**
 * The process's start and stop: what start-up opened is closed in reverse order, once, whether the
 * stop comes from a signal or from a step of the start-up that failed, and within a deadline.
 */
export interface Lifecycle {
  /** Registers how to close what was just opened; closing runs in reverse order of registration. */
  onStop(name: string, close: () => unknown): void;
  /** onStop for a resource that has a close(); returns the resource. */
  adopt<T extends { close(): unknown }>(name: string, resource: T): T;
  /**
   * Runs the start-up. If it fails, `onFailure` reports the error and what was opened so far is
   * closed, exiting with 1; a stop requested meanwhile waits for it, so nothing opened late stays open.
   */
  start(startUp: () => Promise<void>, onFailure: (error: unknown) => void): void;
  /**
   * Closes everything and exits. Only the first request counts: Ctrl-C under npm delivers SIGINT
   * twice (from the terminal and relayed by npm), and a process manager may repeat its SIGTERM.
   */
  stop(reason: string, exitCode?: number): void;
}

export interface LifecycleLog {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export function createLifecycle(options: {
  log: LifecycleLog;
  /** After this long, exit with 1 whatever is still closing. */
  deadlineMs: number;
  exit: (code: number) => void;
}): Lifecycle {
  const { log } = options;
  const closers: Array<{ name: string; close: () => unknown }> = [];
  let starting: Promise<unknown> = Promise.resolve();
  let stopping = false;

  const closeAll = async (): Promise<boolean> => {
    let failed = false;
    for (const { name, close } of [...closers].reverse()) {
      try {
        await close();
      } catch (error) {
        // Keep going: the database must still stop when, say, the HTTP server failed to close.
        failed = true;
        log.error({ err: error }, `could not close ${name}`);
      }
    }
    return !failed;
  };

  const lifecycle: Lifecycle = {
    onStop(name, close) {
      closers.push({ name, close });
    },
    adopt(name, resource) {
      lifecycle.onStop(name, () => resource.close());
      return resource;
    },
    start(startUp, onFailure) {
      starting = startUp().catch((error: unknown) => {
        onFailure(error);
        lifecycle.stop('start-up failed', 1);
      });
    },
    stop(reason, exitCode = 0) {
      if (stopping) {
        log.warn({ reason }, 'already shutting down; the request is ignored');
        return;
      }
      stopping = true;
      log.info({ reason }, 'shutting down');
      const deadline = setTimeout(() => {
        log.error({ deadlineMs: options.deadlineMs }, 'shutdown took too long; exiting');
        options.exit(1);
      }, options.deadlineMs);
      deadline.unref();
      void (async () => {
        await starting;
        const closed = await closeAll();
        clearTimeout(deadline);
        log.info({}, 'stopped');
        options.exit(closed ? exitCode : 1);
      })();
    },
  };
  return lifecycle;
}

/**
 * Promise.all that waits for every promise to settle before it rejects: a sibling still opening
 * (a database starting) would otherwise finish after the failure was handled and stay open.
 */
export async function settleAll<T extends readonly unknown[]>(promises: {
  [K in keyof T]: Promise<T[K]>;
}): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failure = results.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
