import type { Queryable } from '../../lambdas/db/port.js';

/** Catalog queries for asserting what the migrations built. */

export async function columns(db: Queryable, table: string) {
  const { rows } = await db.query<{
    column_name: string;
    data_type: string;
    is_nullable: string;
    length: number;
  }>({
    text: `SELECT column_name, data_type, is_nullable, character_maximum_length AS length
             FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
    values: [table],
  });
  return rows;
}

export async function constraints(db: Queryable, table: string) {
  const { rows } = await db.query<{ name: string; type: string; definition: string }>({
    text: `SELECT conname AS name, contype AS type, pg_get_constraintdef(oid) AS definition
             FROM pg_constraint WHERE conrelid = to_regclass($1) ORDER BY conname`,
    values: [`public.${table}`],
  });
  return rows;
}

export async function indexNames(db: Queryable, table: string): Promise<string[]> {
  const { rows } = await db.query<{ indexname: string }>({
    text: `SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename = $1 ORDER BY indexname`,
    values: [table],
  });
  return rows.map((row) => row.indexname);
}

export async function indexDefinitions(db: Queryable): Promise<Record<string, string>> {
  const { rows } = await db.query<{ indexname: string; indexdef: string }>({
    text: `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'`,
    values: [],
  });
  return Object.fromEntries(rows.map((row) => [row.indexname, row.indexdef]));
}

export async function triggerNames(db: Queryable, table: string): Promise<string[]> {
  const { rows } = await db.query<{ tgname: string }>({
    text: `SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass($1) AND NOT tgisinternal ORDER BY tgname`,
    values: [`public.${table}`],
  });
  return rows.map((row) => row.tgname);
}

export async function publicTables(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ tablename: string }>({
    text: `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
    values: [],
  });
  return rows.map((row) => row.tablename);
}

export async function publicFunctions(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ proname: string }>({
    text: `SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace ORDER BY proname`,
    values: [],
  });
  return rows.map((row) => row.proname);
}
