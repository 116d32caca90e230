import { startEmbeddedPostgres } from '../../local/embedded-postgres.js';

/** Starts an embedded PostgreSQL in argv[2] on port argv[3], then crashes without stopping it. */
const [dataDir = '', port = '0'] = process.argv.slice(2);
await startEmbeddedPostgres({ dataDir, port: Number(port), persistent: false });
console.log('started');
throw new Error('crash on purpose');
