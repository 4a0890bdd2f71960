import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { openDatabase, type Database } from './db/open.ts';
import { findRunningEmbedded } from './db/running-embedded.ts';
import { AppError } from './errors.ts';
import { resealSecrets } from './destinations/reseal-secrets.ts';
import { isEmailAddress } from './lib/email-address.ts';
import { createCredentialSealer, loadOrCreateSecret } from './lib/secret.ts';
import { issuePasswordReset } from './tenancy/auth/issue-password-reset.ts';
import { confirmInstructions } from './tenancy/auth/password-reset-record.ts';
import { createAgency } from './tenancy/users/create-agency.ts';

const USAGE = `Usage: npm run beacon -- <command> [options]

Commands:
  admin create --email <email> --password <password> [--agency <name>]
      create the instance administrator: the owner of a new agency
  password-reset --email <email>
      print a one-time password reset token (valid 1 hour) to hand to the account's owner;
      how passwords are reset when Beacon has no mail server
  migrate
      apply pending database migrations
  secrets rotate
      re-seal stored credentials with BEACON_SECRET (the old secret in BEACON_PREVIOUS_SECRET)

Options:
  -h, --help   show this help

Settings come from the environment, as for npm start. Without DATABASE_URL the CLI uses the
embedded database of the Beacon running on BEACON_DATA_DIR, or starts it when none runs.`;

const COMMANDS = ['admin create', 'password-reset', 'migrate', 'secrets rotate'] as const;
type Command = (typeof COMMANDS)[number];

/** The options each command takes; any other is a usage error rather than silently ignored. */
const COMMAND_OPTIONS: Record<Command, readonly string[]> = {
  'admin create': ['email', 'password', 'agency'],
  'password-reset': ['email'],
  migrate: [],
  'secrets rotate': [],
};

/** What the command line asks for, or why it cannot be run (printed with the usage, exit 2). */
type Invocation =
  | { help: true }
  | { command: Command; email?: string; password?: string; agency?: string }
  | { usageError: string };

function readCommandLine(argv: string[]): Invocation {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        email: { type: 'string' },
        password: { type: 'string' },
        agency: { type: 'string' },
      },
    });
  } catch (error) {
    // parseArgs explains what it refused: an unknown option, or one without its value.
    return { usageError: (error as Error).message };
  }
  const { positionals, values } = parsed;
  if (values.help) return { help: true };
  const command = COMMANDS.find((name) => name === positionals.join(' '));
  if (command === undefined) {
    return {
      usageError:
        positionals.length === 0 ? 'No command given' : `Unknown command "${positionals.join(' ')}"`,
    };
  }
  const stray = Object.keys(values).find((name) => !COMMAND_OPTIONS[command].includes(name));
  if (stray !== undefined) return { usageError: `${command} takes no --${stray}` };
  const { email, password, agency } = values;
  if (email !== undefined && !isEmailAddress(email)) {
    return { usageError: `--email "${email}" is not an email address` };
  }
  if (command === 'admin create' && (email === undefined || password === undefined || password.length < 10)) {
    return { usageError: 'admin create needs --email and a --password of at least 10 characters' };
  }
  if (command === 'password-reset' && email === undefined) {
    return { usageError: 'password-reset needs --email' };
  }
  return { command, email, password, agency };
}

/**
 * DATABASE_URL, else the embedded database of the Beacon running on the data directory (a second
 * server on its cluster would be refused), else the embedded database started for this command.
 * Progress goes to stderr, so stdout carries only the command's result.
 */
async function openCliDatabase(config: Config): Promise<Database> {
  const log = { info: (msg: string) => console.error(msg), warn: (msg: string) => console.error(msg) };
  let databaseUrl = config.databaseUrl;
  if (databaseUrl === undefined) {
    const running = await findRunningEmbedded(config.dataDir);
    if (running !== undefined) {
      log.info(`using the embedded database of the running Beacon (pid ${running.pid})`);
      databaseUrl = running.connectionString;
    }
  }
  return openDatabase({ databaseUrl, poolSize: 2, dataDir: config.dataDir, log });
}

async function run(argv: string[]): Promise<number> {
  const invocation = readCommandLine(argv);
  if ('help' in invocation) {
    console.log(USAGE);
    return 0;
  }
  if ('usageError' in invocation) {
    console.error(`${invocation.usageError}\n\n${USAGE}`);
    return 2;
  }
  const { command } = invocation;
  const config = loadConfig();
  if (command === 'secrets rotate' && config.previousSecret === undefined) {
    console.error(`secrets rotate needs the old secret in BEACON_PREVIOUS_SECRET\n\n${USAGE}`);
    return 2;
  }
  const database = await openCliDatabase(config);
  try {
    switch (command) {
      case 'migrate':
        console.log('migrations are up to date');
        return 0;
      case 'secrets rotate': {
        const secret = await loadOrCreateSecret(config.secret, config.dataDir);
        const resealed = await resealSecrets({
          db: database.pool,
          sealer: createCredentialSealer(secret, config.previousSecret),
        });
        console.log(
          `re-sealed the credentials of ${resealed.destinations} destinations and ${resealed.deliveries} pending deliveries ` +
            'with the current key; BEACON_PREVIOUS_SECRET can be removed',
        );
        return 0;
      }
      case 'password-reset': {
        const reset = await issuePasswordReset({ db: database.pool, email: invocation.email! });
        console.log(
          [
            `Password reset token for ${reset.email}. It is printed here only, never logged: hand it to`,
            'the owner of the account yourself, over a channel you trust.',
            '',
            confirmInstructions(config.publicUrl, reset.token, reset.expiresAt),
          ].join('\n'),
        );
        return 0;
      }
      case 'admin create': {
        const email = invocation.email!;
        const { agency, owner } = await createAgency({
          db: database.pool,
          input: {
            name: invocation.agency ?? `${email.split('@')[0]}'s agency`,
            owner: { email, password: invocation.password! },
          },
          ownerIsInstanceAdmin: true,
        });
        console.log(
          `created instance administrator ${owner.email} (${owner.id}) in agency "${agency.name}" (${agency.id})`,
        );
        return 0;
      }
    }
  } finally {
    await database.close();
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) console.error(`invalid setting ${error.message}`);
    else if (error instanceof AppError) console.error(error.message);
    else console.error(error);
    process.exit(1);
  },
);
