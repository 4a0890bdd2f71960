import { Type } from 'typebox';
import type { Pool } from '../../db/pool.ts';
import { errorResponses, type App } from '../../http/types.ts';
import { LOGIN_RATE_LIMIT } from './auth-routes.ts';
import { confirmPasswordReset } from './confirm-password-reset.ts';
import type { Mailer } from '../mailer.ts';
import { requestPasswordReset } from './request-password-reset.ts';

export const PasswordResetBody = Type.Object(
  { email: Type.String({ format: 'email', maxLength: 254, examples: ['owner@agency.example'] }) },
  { examples: [{ email: 'owner@agency.example' }] },
);

export const ConfirmPasswordResetBody = Type.Object(
  {
    token: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'The one-time token from the reset message',
    }),
    password: Type.String({ minLength: 10, maxLength: 1024 }),
  },
  {
    additionalProperties: false,
    examples: [{ token: 'xGu5toZNNthtJ9g3qB0VIOhrIReTBqhJmn_GY841yzs', password: 'a new long passphrase' }],
  },
);

const RESET_MAILED =
  'If an account has this email, a message with a link to reset its password is on its way';
/** The same for every email too: whether Beacon has a mail server is not a secret of any account. */
const RESET_WITHOUT_MAIL =
  'This Beacon cannot send mail: ask an administrator for a password reset token for this email';
const ResetAccepted = Type.Object({ message: Type.String() }, { examples: [{ message: RESET_MAILED }] });

export function registerPasswordResetRoutes(app: App, deps: { db: Pool; mailer: Mailer; publicUrl: string }) {
  // Resets run after the reply so that its timing says nothing about whether the account exists;
  // closing the app waits for the ones still running.
  const running = new Set<Promise<void>>();
  app.addHook('onClose', async () => {
    await Promise.allSettled(running);
  });

  app.post(
    '/api/auth/password-reset',
    {
      config: { rateLimit: LOGIN_RATE_LIMIT },
      schema: {
        tags: ['auth'],
        summary: 'Mail a one-time password reset token (valid 1 hour) if an account has this email',
        description:
          'Always 202, whether or not the account exists; at most 3 messages per account and hour. ' +
          'Without a mail server nothing is sent: an administrator makes reset tokens with ' +
          '`npm run beacon -- password-reset --email <email>`.',
        body: PasswordResetBody,
        response: { 202: ResetAccepted, ...errorResponses(400, 429) },
      },
    },
    async (request, reply) => {
      const work = requestPasswordReset({
        db: deps.db,
        mailer: deps.mailer,
        publicUrl: deps.publicUrl,
        email: request.body.email,
      })
        .then(
          () => undefined,
          (error: unknown) => request.log.error({ err: error }, 'password reset request failed'),
        )
        .finally(() => running.delete(work));
      running.add(work);
      return reply.status(202).send({ message: deps.mailer.delivers ? RESET_MAILED : RESET_WITHOUT_MAIL });
    },
  );

  app.post(
    '/api/auth/password-reset/confirm',
    {
      config: { rateLimit: LOGIN_RATE_LIMIT },
      schema: {
        tags: ['auth'],
        summary: "Set a new password with a reset token; ends all of the user's sessions",
        description: 'Single use. An invalid, expired or used token answers 400 naming `token`.',
        body: ConfirmPasswordResetBody,
        response: { 204: Type.Null(), ...errorResponses(400, 429) },
      },
    },
    async (request, reply) => {
      await confirmPasswordReset({ db: deps.db, input: request.body, ip: request.ip });
      return reply.status(204).send(null);
    },
  );
}
