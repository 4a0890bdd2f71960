import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.ts';
import { openDatabase } from './db/open.ts';
import { AppError } from './errors.ts';
import { resealWebhookUrls } from './companies/reseal-webhook-urls.ts';
import { createCredentialSealer, loadOrCreateSecret } from './lib/secret.ts';
import { createAgency } from './tenancy/users/create-agency.ts';

const USAGE = `Usage:
  npm run beacon -- admin create --email <email> --password <password> [--agency <name>]
  npm run beacon -- migrate
  npm run beacon -- secrets rotate   (with the new BEACON_SECRET and the old one in BEACON_PREVIOUS_SECRET)`;

async function run(argv: string[]): Promise<number> {
  const config = loadConfig();
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { email: { type: 'string' }, password: { type: 'string' }, agency: { type: 'string' } },
  });
  const command = positionals.join(' ');
  if (command !== 'migrate' && command !== 'admin create' && command !== 'secrets rotate') {
    console.error(USAGE);
    return 2;
  }
  if (command === 'secrets rotate' && config.previousSecret === undefined) {
    console.error('secrets rotate needs the old secret in BEACON_PREVIOUS_SECRET\n' + USAGE);
    return 2;
  }
  if (command === 'admin create' && (!values.email || !values.password || values.password.length < 10)) {
    console.error('admin create needs --email and a --password of at least 10 characters\n' + USAGE);
    return 2;
  }
  const log = { info: (msg: string) => console.log(msg), warn: (msg: string) => console.warn(msg) };
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    poolSize: 2,
    dataDir: config.dataDir,
    log,
  });
  try {
    if (command === 'migrate') {
      console.log('migrations are up to date');
      return 0;
    }
    if (command === 'secrets rotate') {
      const secret = await loadOrCreateSecret(config.secret, config.dataDir);
      const resealed = await resealWebhookUrls({
        db: database.pool,
        sealer: createCredentialSealer(secret, config.previousSecret),
      });
      console.log(
        `re-sealed the webhook URLs of ${resealed.sites} sites and ${resealed.deliveries} pending deliveries ` +
          'with the current key; BEACON_PREVIOUS_SECRET can be removed',
      );
      return 0;
    }
    const email = values.email!;
    const { agency, owner } = await createAgency({
      db: database.pool,
      input: {
        name: values.agency ?? `${email.split('@')[0]}'s agency`,
        owner: { email, password: values.password! },
      },
      ownerIsInstanceAdmin: true,
    });
    console.log(
      `created instance administrator ${owner.email} (${owner.id}) in agency "${agency.name}" (${agency.id})`,
    );
    return 0;
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
