import nodemailer from 'nodemailer';

/** One message: plain text, with an HTML alternative where the text alone is poor (client reports). */
export interface MailMessage {
  to: string;
  subject: string;
  /** The body. It may carry a one-time token, so no transport ever writes it to the log. */
  text: string;
  /** The same content as HTML, sent beside `text` (multipart/alternative); never logged either. */
  html?: string;
  /**
   * What an administrator can do for the recipient when Beacon has no mail server, e.g. the CLI
   * command that makes a reset token. Logged in place of the message, which nobody receives.
   */
  withoutMail: string;
}

/**
 * Delivers mail. `send` resolves once the transport has accepted the message and rejects when it
 * could not; callers decide whether that fails the request (invitations) or is only logged (resets).
 */
export interface Mailer {
  /**
   * False when no mail server is configured: `send` then delivers nothing and only logs that the
   * message was not sent. An invitation asks before it is made; see createInvitation.
   */
  readonly delivers: boolean;
  send(message: MailMessage): Promise<void>;
}

/** The part of a pino logger the transport without mail server needs. */
export interface MailLog {
  warn(object: object, message: string): void;
}

/**
 * The transport without SMTP_URL. Nothing is delivered: each message becomes a warning that names
 * the recipient, the subject and what an administrator can do instead (`withoutMail`), and never
 * the text, which may hold a one-time token that logs would keep long after it should be gone.
 */
export function createUnconfiguredMailer(log: MailLog): Mailer {
  return {
    delivers: false,
    async send(message) {
      log.warn(
        { mail: { to: message.to, subject: message.subject } },
        `mail to ${message.to} not sent: no mail server is configured (SMTP_URL); ${message.withoutMail}`,
      );
    },
  };
}

/** How many messages the memory transport keeps. */
const KEPT_MESSAGES = 100;

/**
 * A transport that delivers into memory, for tests: `sent` holds copies of the last messages,
 * oldest first.
 */
export function createMemoryMailer(): { mailer: Mailer; sent: MailMessage[] } {
  const sent: MailMessage[] = [];
  const mailer: Mailer = {
    delivers: true,
    async send(message) {
      sent.push({ ...message });
      if (sent.length > KEPT_MESSAGES) sent.splice(0, sent.length - KEPT_MESSAGES);
    },
  };
  return { mailer, sent };
}

/** Bounds on one delivery: the request that invites someone waits for its mail. */
const SMTP_CONNECTION_TIMEOUT_MS = 10_000;
const SMTP_GREETING_TIMEOUT_MS = 10_000;
const SMTP_SOCKET_TIMEOUT_MS = 30_000;

/**
 * A message the transport could not hand over. It carries what helps an operator (server, code,
 * SMTP reply) and never the credentials: it is built from scratch rather than wrapping the
 * transport's error, so nothing the transport attached can reach the log.
 */
export class MailDeliveryError extends Error {
  /** nodemailer's code: ECONNECTION, ESOCKET, ETIMEDOUT, EDNS, ETLS, EAUTH, EENVELOPE, EMESSAGE… */
  readonly code: string | undefined;
  /** The SMTP reply code when the server answered (5xx: retrying the same message will not help). */
  readonly responseCode: number | undefined;

  constructor(server: string, error: unknown) {
    const details = (error ?? {}) as { message?: unknown; code?: unknown; responseCode?: unknown };
    super(
      `mail via ${server} failed: ${typeof details.message === 'string' ? details.message : 'unknown error'}`,
    );
    this.name = 'MailDeliveryError';
    this.code = typeof details.code === 'string' ? details.code : undefined;
    this.responseCode = typeof details.responseCode === 'number' ? details.responseCode : undefined;
  }
}

export interface SmtpMailerOptions {
  /** `smtp://user:pass@host:587` (STARTTLS) or `smtps://user:pass@host:465` (TLS from the start). */
  url: string;
  /** The From header and envelope sender, e.g. `Beacon <beacon@agency.example>`. */
  from: string;
  /**
   * Tests only: talk plain SMTP to a local server that offers no STARTTLS, credentials included.
   * Not reachable from configuration.
   */
  ignoreTls?: boolean;
}

/** `host:port` of an SMTP URL, for messages and logs: never the user or password. */
export function smtpServerOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || (parsed.protocol === 'smtps:' ? '465' : '587')}`;
}

/**
 * The SMTP transport: one connection per message (invitations and resets are rare), through
 * nodemailer. `smtps:` speaks TLS from the first byte (port 465 by default); `smtp:` upgrades with
 * STARTTLS, and requires it when the URL carries credentials or uses port 587, so a server (or a
 * man in the middle) that hides STARTTLS cannot make Beacon send the password in clear. Without
 * credentials on another port (a local relay on 25) STARTTLS is used when offered.
 * User and password in the URL are percent-decoded; nodemailer's own logging stays off.
 */
export function createSmtpMailer(options: SmtpMailerOptions): Mailer {
  const url = new URL(options.url);
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new Error(`SMTP URL must use smtp: or smtps:, got "${url.protocol}"`);
  }
  const secure = url.protocol === 'smtps:';
  const port = url.port === '' ? (secure ? 465 : 587) : Number(url.port);
  const auth =
    url.username === '' && url.password === ''
      ? undefined
      : { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) };
  const requireTls = !secure && !options.ignoreTls && (auth !== undefined || port === 587);
  const server = smtpServerOf(options.url);
  const transport = nodemailer.createTransport({
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    secure,
    requireTLS: requireTls,
    ignoreTLS: options.ignoreTls === true,
    auth,
    connectionTimeout: SMTP_CONNECTION_TIMEOUT_MS,
    greetingTimeout: SMTP_GREETING_TIMEOUT_MS,
    socketTimeout: SMTP_SOCKET_TIMEOUT_MS,
    logger: false,
    debug: false,
  });
  return {
    delivers: true,
    async send(message) {
      try {
        await transport.sendMail({
          from: options.from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          ...(message.html === undefined ? {} : { html: message.html }),
        });
      } catch (error) {
        throw new MailDeliveryError(server, error);
      }
    },
  };
}
