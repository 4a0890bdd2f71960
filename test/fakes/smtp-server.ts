import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** The envelope: MAIL FROM and RCPT TO, as the client sent them. */
  mailFrom: string | undefined;
  rcptTo: string[];
  /** The user the session logged in as, if it did. */
  user: string | undefined;
  /** Header names lower-cased, folded lines joined. */
  headers: Record<string, string>;
  /** The body decoded (quoted-printable, base64) with CRLF turned into LF. */
  body: string;
}

export interface FakeSmtp {
  port: number;
  /** `smtp://[user:pass@]127.0.0.1:<port>` with the credentials percent-encoded. */
  url(credentials?: { user: string; pass: string }): string;
  received: ReceivedMail[];
  /** Every AUTH attempt, accepted or not: `user` and `pass` as the server decoded them. */
  logins: Array<{ user: string; pass: string }>;
  close(): Promise<void>;
}

/** Quoted-printable (RFC 2045 §6.7), as nodemailer writes long or non-ASCII text, back to UTF-8. */
function decodeQuotedPrintable(text: string): string {
  const encoded = text.replace(/=\n/g, '');
  const bytes: number[] = [];
  for (let index = 0; index < encoded.length; index++) {
    const hex = encoded.slice(index + 1, index + 3);
    if (encoded[index] === '=' && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16));
      index += 2;
    } else bytes.push(encoded.charCodeAt(index));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** A single-part message: headers, and the body decoded from its transfer encoding. */
function parseMessage(raw: string): { headers: Record<string, string>; body: string } {
  const text = raw.replace(/\r\n/g, '\n');
  const split = text.indexOf('\n\n');
  const head = split === -1 ? text : text.slice(0, split);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body = split === -1 ? '' : text.slice(split + 2);
  switch (headers['content-transfer-encoding']?.toLowerCase()) {
    case 'quoted-printable':
      return { headers, body: decodeQuotedPrintable(body) };
    case 'base64':
      return { headers, body: Buffer.from(body, 'base64').toString('utf8').replace(/\r\n/g, '\n') };
    default:
      return { headers, body };
  }
}

/**
 * A real SMTP server (nodemailer's smtp-server) on 127.0.0.1 that keeps what it receives. Plain text
 * only: STARTTLS is neither offered nor accepted, and AUTH is allowed without TLS so that a client
 * that refuses to log in in clear is seen refusing, not the server. `users` turns AUTH on (optional:
 * clients without credentials still send); `rejectRecipient` answers 550 to that RCPT TO.
 */
export async function startFakeSmtp(
  options: { users?: Record<string, string>; rejectRecipient?: string } = {},
): Promise<FakeSmtp> {
  const received: ReceivedMail[] = [];
  const logins: FakeSmtp['logins'] = [];
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, callback) {
      const user = auth.username ?? '';
      const pass = auth.password ?? '';
      logins.push({ user, pass });
      if (options.users?.[user] === pass) callback(null, { user });
      else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onRcptTo(address, _session, callback) {
      if (address.address === options.rejectRecipient) {
        callback(Object.assign(new Error('No such user here'), { responseCode: 550 }));
      } else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const mailFrom = session.envelope.mailFrom;
        received.push({
          mailFrom: mailFrom === false ? undefined : mailFrom.address,
          rcptTo: session.envelope.rcptTo.map((recipient) => recipient.address),
          user: typeof session.user === 'string' ? session.user : undefined,
          ...parseMessage(Buffer.concat(chunks).toString('utf8')),
        });
        callback();
      });
    },
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    url: (credentials) =>
      credentials === undefined
        ? `smtp://127.0.0.1:${port}`
        : `smtp://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.pass)}@127.0.0.1:${port}`,
    received,
    logins,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A loopback port nothing listens on (it was free a moment ago): connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
