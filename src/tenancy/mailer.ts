/** One plain-text message: invitations and password resets need nothing richer. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/**
 * Delivers mail. `send` resolves once the transport has accepted the message and rejects when it
 * could not; callers decide whether that fails the request (invitations) or is only logged (resets).
 */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/** The part of a pino logger the log transport needs. */
export interface MailLog {
  info(object: object, message: string): void;
}

/** How many messages the log transport keeps in memory for tests and the CLI. */
const KEPT_MESSAGES = 100;

/**
 * The default transport: writes each message to the log at info, so Beacon works without a mail
 * server (an operator copies the invitation or reset token from the log; logs therefore hold
 * one-time secrets until they expire). Keeps the last messages in `sent`, oldest first.
 * There is no SMTP transport yet: one without a new dependency would mean speaking SMTP and
 * STARTTLS over node:net and node:tls by hand.
 */
export function createLogMailer(log: MailLog): { mailer: Mailer; sent: MailMessage[] } {
  const sent: MailMessage[] = [];
  const mailer: Mailer = {
    async send(message) {
      const copy = { to: message.to, subject: message.subject, text: message.text };
      sent.push(copy);
      if (sent.length > KEPT_MESSAGES) sent.splice(0, sent.length - KEPT_MESSAGES);
      log.info({ mail: copy }, `mail to ${copy.to}: ${copy.subject}`);
    },
  };
  return { mailer, sent };
}
