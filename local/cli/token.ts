import '../quiet-sdk-warning.js';
import { localAuth } from '../auth.js';
import { DATA_DIR } from '../paths.js';
import { failAndExit } from './cli-support.js';

/** `npm run --silent token -- <user-uuid> [expires-in]`: prints a token the local server accepts, and nothing else. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function main([subject, expiresIn = '12h']: string[]) {
  if (!subject || !UUID.test(subject))
    throw new Error('usage: npm run --silent token -- <user-uuid> [expires-in, e.g. 12h]');
  const auth = await localAuth(process.env.LOCAL_DATA_DIR ?? DATA_DIR);
  process.stdout.write(`${await auth.mint(subject.toLowerCase(), { expiresIn })}\n`);
}

main(process.argv.slice(2)).catch(failAndExit('token'));
