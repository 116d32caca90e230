import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, wherever the command was started from. */
export const ROOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const MIGRATIONS_DIR = path.join(ROOT_DIR, 'migrations');
export const DATA_DIR = path.join(ROOT_DIR, '.data');
