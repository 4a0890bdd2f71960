import { describe, expect, it } from 'vitest';
import { createLogMailer } from './mailer.ts';

describe('log mailer', () => {
  it('writes each message to the log at info and keeps it for tests', async () => {
    const logged: Array<{ object: object; message: string }> = [];
    const { mailer, sent } = createLogMailer({ info: (object, message) => logged.push({ object, message }) });
    await mailer.send({ to: 'a@test.example', subject: 'Hello', text: 'token: abc' });
    expect(sent).toEqual([{ to: 'a@test.example', subject: 'Hello', text: 'token: abc' }]);
    expect(logged).toEqual([
      {
        object: { mail: { to: 'a@test.example', subject: 'Hello', text: 'token: abc' } },
        message: 'mail to a@test.example: Hello',
      },
    ]);
  });

  it('keeps only the last 100 messages, oldest first', async () => {
    const { mailer, sent } = createLogMailer({ info: () => undefined });
    for (let index = 0; index < 130; index++) {
      await mailer.send({ to: `${index}@test.example`, subject: 's', text: 't' });
    }
    expect(sent).toHaveLength(100);
    expect(sent[0]!.to).toBe('30@test.example');
    expect(sent.at(-1)!.to).toBe('129@test.example');
  });

  it('keeps a copy: changing the message afterwards does not change what was sent', async () => {
    const { mailer, sent } = createLogMailer({ info: () => undefined });
    const message = { to: 'a@test.example', subject: 's', text: 'original' };
    await mailer.send(message);
    message.text = 'changed';
    expect(sent[0]!.text).toBe('original');
  });
});
