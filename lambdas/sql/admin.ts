import type { SqlStatement } from '../db/port.js';

/** Statements for tooling (local stack, tests): creating and dropping whole databases. */

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function databaseExists(name: string): SqlStatement<{ exists: boolean }> {
  return {
    idempotent: true,
    text: 'SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS "exists"',
    values: [name],
  };
}

export function createDatabase(name: string, template?: string): SqlStatement {
  const from = template ? ` TEMPLATE ${quoteIdentifier(template)}` : '';
  return { text: `CREATE DATABASE ${quoteIdentifier(name)}${from}`, values: [] };
}

export function dropDatabase(name: string): SqlStatement {
  return { text: `DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`, values: [] };
}

/** Every type's name (and, for arrays, its element type's name), for tools that decode raw results by OID. */
export function typeCatalog(): SqlStatement {
  return {
    idempotent: true,
    text: `SELECT t.oid::int AS oid, t.typname AS name, e.typname AS element
             FROM pg_type t LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'`,
    values: [],
  };
}
