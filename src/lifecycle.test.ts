import { describe, expect, it } from 'vitest';
import { createLifecycle, settleAll } from './lifecycle.ts';

function setUp(deadlineMs = 10_000) {
  const lines: Array<{ level: string; message: string; object: object }> = [];
  const record = (level: string) => (object: object, message: string) =>
    void lines.push({ level, message, object });
  let exited: (code: number) => void = () => undefined;
  const exitCode = new Promise<number>((resolve) => (exited = resolve));
  const lifecycle = createLifecycle({
    log: { info: record('info'), warn: record('warn'), error: record('error') },
    deadlineMs,
    exit: (code) => exited(code),
  });
  return { lifecycle, lines, exitCode, messages: () => lines.map((line) => line.message) };
}

/** A promise with its resolve function, for steps a test lets finish when it chooses. */
function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('createLifecycle', () => {
  it('closes what was opened in reverse order, then logs "stopped" and exits with 0', async () => {
    const { lifecycle, exitCode, messages } = setUp();
    const closed: string[] = [];
    for (const name of ['database', 'state', 'http server']) lifecycle.onStop(name, () => closed.push(name));
    lifecycle.stop('SIGTERM');
    expect(await exitCode).toBe(0);
    expect(closed).toEqual(['http server', 'state', 'database']);
    expect(messages()).toEqual(['shutting down', 'stopped']);
  });

  it('ignores a repeated signal during the shutdown, logging it, and closes each resource once', async () => {
    const { lifecycle, exitCode, lines } = setUp();
    const draining = gate();
    let closes = 0;
    lifecycle.onStop('http server', async () => {
      closes += 1;
      await draining.opened;
    });
    lifecycle.stop('SIGINT');
    lifecycle.stop('SIGINT');
    lifecycle.stop('SIGTERM');
    draining.open();
    expect(await exitCode).toBe(0);
    expect(closes).toBe(1);
    expect(lines.filter((line) => line.level === 'warn')).toEqual([
      {
        level: 'warn',
        message: 'already shutting down; the request is ignored',
        object: { reason: 'SIGINT' },
      },
      {
        level: 'warn',
        message: 'already shutting down; the request is ignored',
        object: { reason: 'SIGTERM' },
      },
    ]);
  });

  it('logs a close that rejects (as app.close() may), still closes the rest, and exits with 1', async () => {
    const { lifecycle, exitCode, lines } = setUp();
    const closed: string[] = [];
    lifecycle.onStop('database', () => void closed.push('database'));
    lifecycle.onStop('http server', () => Promise.reject(new Error('close failed')));
    lifecycle.stop('SIGTERM');
    expect(await exitCode).toBe(1);
    expect(closed).toEqual(['database']);
    expect(lines).toContainEqual({
      level: 'error',
      message: 'could not close http server',
      object: { err: new Error('close failed') },
    });
  });

  it('waits for a start-up in progress, so that what it opens after the signal is closed too', async () => {
    const { lifecycle, exitCode } = setUp();
    const databaseStarted = gate();
    const closed: string[] = [];
    lifecycle.start(
      async () => {
        await databaseStarted.opened;
        lifecycle.onStop('database', () => void closed.push('database'));
      },
      () => undefined,
    );
    lifecycle.stop('SIGINT');
    databaseStarted.open();
    expect(await exitCode).toBe(0);
    expect(closed).toEqual(['database']);
  });

  it('reports a failed start-up, closes what it had opened and exits with 1', async () => {
    const { lifecycle, exitCode, lines } = setUp();
    const closed: string[] = [];
    const reported: unknown[] = [];
    lifecycle.start(
      async () => {
        lifecycle.onStop('database', () => void closed.push('database'));
        throw new Error('port in use');
      },
      (error) => reported.push(error),
    );
    expect(await exitCode).toBe(1);
    expect(reported).toEqual([new Error('port in use')]);
    expect(closed).toEqual(['database']);
    expect(lines[0]).toMatchObject({ message: 'shutting down', object: { reason: 'start-up failed' } });
  });

  it('exits with 1 at the deadline when a close never finishes', async () => {
    const { lifecycle, exitCode, messages } = setUp(50);
    lifecycle.onStop('http server', () => new Promise(() => undefined));
    lifecycle.stop('SIGTERM');
    expect(await exitCode).toBe(1);
    expect(messages()).toEqual(['shutting down', 'shutdown took too long; exiting']);
  });
});

describe('settleAll', () => {
  it('resolves with every value in order', async () => {
    expect(await settleAll([Promise.resolve(1), Promise.resolve('two')])).toEqual([1, 'two']);
  });

  it('rejects only once every promise has settled, so a slower sibling can still be closed', async () => {
    const slow = gate();
    let slowSettled = false;
    const settled = settleAll([
      Promise.reject(new Error('GEOIP_DB missing')),
      slow.opened.then(() => (slowSettled = true)),
    ]);
    const outcome = settled.then(
      () => 'resolved',
      (error: Error) => `rejected after the sibling: ${slowSettled}, ${error.message}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(slowSettled).toBe(false);
    slow.open();
    expect(await outcome).toBe('rejected after the sibling: true, GEOIP_DB missing');
  });
});
