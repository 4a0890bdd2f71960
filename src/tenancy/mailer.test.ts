import { afterEach, describe, expect, it } from 'vitest';
import { closedPort, startFakeSmtp, type FakeSmtp } from '../../test/fakes/smtp-server.ts';
import {
  createMemoryMailer,
  createSmtpMailer,
  createUnconfiguredMailer,
  MailDeliveryError,
  smtpServerOf,
} from './mailer.ts';

describe('mailer without a mail server', () => {
  const message = {
    to: 'a@test.example',
    subject: 'Reset your Beacon password',
    text: 'token: xGu5toZNNthtJ9g3qB0VIOhrIReTBqhJmn_GY841yzs',
    withoutMail: 'an administrator can run npm run beacon -- password-reset --email a@test.example',
  };

  it('says it delivers nothing', () => {
    expect(createUnconfiguredMailer({ warn: () => undefined }).delivers).toBe(false);
  });

  it('logs a warning with the recipient, the subject and what to do instead, never the text', async () => {
    const logged: Array<{ object: object; message: string }> = [];
    const mailer = createUnconfiguredMailer({
      warn: (object, text) => logged.push({ object, message: text }),
    });
    await mailer.send(message);
    expect(logged).toEqual([
      {
        object: { mail: { to: message.to, subject: message.subject } },
        message:
          'mail to a@test.example not sent: no mail server is configured (SMTP_URL); ' + message.withoutMail,
      },
    ]);
    expect(JSON.stringify(logged)).not.toContain('xGu5toZNNthtJ9g3qB0VIOhrIReTBqhJmn_GY841yzs');
  });
});

describe('memory mailer', () => {
  const message = (to: string, text = 't') => ({ to, subject: 's', text, withoutMail: 'w' });

  it('delivers each message into `sent`, oldest first, keeping the last 100', async () => {
    const { mailer, sent } = createMemoryMailer();
    expect(mailer.delivers).toBe(true);
    for (let index = 0; index < 130; index++) await mailer.send(message(`${index}@test.example`));
    expect(sent).toHaveLength(100);
    expect(sent[0]!.to).toBe('30@test.example');
    expect(sent.at(-1)!.to).toBe('129@test.example');
  });

  it('keeps a copy: changing the message afterwards does not change what was sent', async () => {
    const { mailer, sent } = createMemoryMailer();
    const original = message('a@test.example', 'original');
    await mailer.send(original);
    original.text = 'changed';
    expect(sent[0]!.text).toBe('original');
  });
});

describe('SMTP mailer', () => {
  const FROM = 'Beacon <beacon@agency.example>';
  const message = {
    to: 'new.colleague@client.example',
    subject: 'Your invitation to Beacon',
    // Non-ASCII and a line longer than 76 characters: sent quoted-printable, received as written.
    text:
      'You have been invited to an agency on Beacon as member: send {"token": "…", "password": "…"} to accept.\n\n' +
      'Zx4pgC8w2F5FbiE75oK6zNcXUxobxeDxM5vA5YWueHU\n\nIf you did not expect this invitation, ignore this message.',
    withoutMail: 'the instance administrator can invite without mail',
  };
  let smtp: FakeSmtp | undefined;
  afterEach(async () => {
    await smtp?.close();
    smtp = undefined;
  });

  /** The rejection of a send, so its fields can be checked one by one. */
  async function failure(promise: Promise<void>): Promise<MailDeliveryError> {
    const error: unknown = await promise.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(MailDeliveryError);
    return error as MailDeliveryError;
  }

  it('delivers the message to the server with the configured From and the right To, Subject and text', async () => {
    smtp = await startFakeSmtp();
    await createSmtpMailer({ url: smtp.url(), from: FROM, ignoreTls: true }).send(message);
    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0]!;
    expect(mail).toMatchObject({
      mailFrom: 'beacon@agency.example',
      rcptTo: ['new.colleague@client.example'],
      user: undefined,
    });
    expect(mail.headers).toMatchObject({
      from: 'Beacon <beacon@agency.example>',
      to: 'new.colleague@client.example',
      subject: 'Your invitation to Beacon',
    });
    expect(mail.body.trimEnd()).toBe(message.text);
  });

  it('sends an HTML alternative beside the text when the message has one', async () => {
    smtp = await startFakeSmtp();
    await createSmtpMailer({ url: smtp.url(), from: FROM, ignoreTls: true }).send({
      ...message,
      html: '<p>Weekly report</p>',
    });
    const mail = smtp.received[0]!;
    expect(mail.headers['content-type']).toMatch(/^multipart\/alternative/);
    expect(mail.body).toContain('Content-Type: text/plain');
    expect(mail.body).toContain('Content-Type: text/html');
    expect(mail.body).toContain('<p>Weekly report</p>');
  });

  it('logs in with the percent-decoded user and password of the URL', async () => {
    const credentials = { user: 'beacon@agency.example', pass: 'p@ss:w/rd?#%' };
    smtp = await startFakeSmtp({ users: { [credentials.user]: credentials.pass } });
    await createSmtpMailer({ url: smtp.url(credentials), from: FROM, ignoreTls: true }).send(message);
    expect(smtp.logins).toEqual([credentials]);
    expect(smtp.received[0]).toMatchObject({ user: credentials.user, rcptTo: [message.to] });
  });

  it('refuses to send credentials over smtp: when the server offers no STARTTLS', async () => {
    smtp = await startFakeSmtp({ users: { beacon: 'secret password' } });
    const mailer = createSmtpMailer({
      url: smtp.url({ user: 'beacon', pass: 'secret password' }),
      from: FROM,
    });
    const error = await failure(mailer.send(message));
    expect(error).toMatchObject({ code: 'ETLS', message: expect.stringMatching(/STARTTLS/) });
    expect(smtp.logins).toEqual([]);
    expect(smtp.received).toEqual([]);
  });

  it('rejects with a MailDeliveryError naming the server when the connection is refused', async () => {
    const port = await closedPort();
    const mailer = createSmtpMailer({
      url: `smtp://beacon:hunter22@127.0.0.1:${port}`,
      from: FROM,
      ignoreTls: true,
    });
    const error = await failure(mailer.send(message));
    expect(error.message).toContain(`mail via 127.0.0.1:${port} failed`);
    expect(error.code).toBe('ESOCKET');
    expect(JSON.stringify({ ...error, message: error.message, stack: error.stack })).not.toContain(
      'hunter22',
    );
  });

  it('rejects with the SMTP reply code when the server refuses the recipient', async () => {
    smtp = await startFakeSmtp({ rejectRecipient: message.to });
    const error = await failure(
      createSmtpMailer({ url: smtp.url(), from: FROM, ignoreTls: true }).send(message),
    );
    expect(error.responseCode).toBe(550);
    expect(smtp.received).toEqual([]);
  });

  it.each([
    ['smtp://user:secret@mail.example.com:587', 'mail.example.com:587'],
    ['smtp://mail.example.com', 'mail.example.com:587'],
    ['smtps://user:secret@mail.example.com', 'mail.example.com:465'],
    ['smtp://[::1]:25', '[::1]:25'],
  ])('names %s as %s, without credentials', (url, server) => {
    expect(smtpServerOf(url)).toBe(server);
  });

  it('refuses a URL that is not smtp: or smtps:', () => {
    expect(() => createSmtpMailer({ url: 'http://mail.example.com', from: FROM })).toThrow(/smtp: or smtps:/);
  });
});
