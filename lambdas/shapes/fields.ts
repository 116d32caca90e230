import * as z from './zod.js';

/**
 * One field of a representation the API publishes: its schema (validation and the OpenAPI document) and how the
 * value the database returns becomes it. A representation is a record of these; its view, its column list and its
 * schema are all derived from that record (`representation`), so a field exists everywhere or nowhere.
 */
export interface Field<T = unknown> {
  readonly schema: z.ZodMiniType<T>;
  readonly decode: (value: unknown) => T;
}

const iso = (value: unknown) => (value instanceof Date ? value : new Date(String(value))).toISOString();

export const field = {
  uuid: (): Field<string> => ({ schema: z.uuid(), decode: String }),
  text: (schema: z.ZodMiniType<string> = z.string()): Field<string> => ({ schema, decode: String }),
  /** Integers, bigint ones included: `version` is a bigint column, returned as a string by `pg`. */
  int: (): Field<number> => ({ schema: z.int(), decode: Number }),
  timestamp: (): Field<string> => ({ schema: z.iso.datetime(), decode: iso }),
  /** JSON columns arrive parsed (jsonb); the schema says what they hold. */
  json: <T>(schema: z.ZodMiniType<T>): Field<T> => ({ schema, decode: (value) => value as T }),
  nullable: <T>(inner: Field<T>): Field<T | null> => ({
    schema: z.nullable(inner.schema),
    decode: (value) => (value === null || value === undefined ? null : inner.decode(value)),
  }),
};

/** A field with a description in the published document. */
export function described<T>(inner: Field<T>, description: string): Field<T> {
  return { ...inner, schema: inner.schema.check(z.describe(description)) as z.ZodMiniType<T> };
}

type Fields = Record<string, Field>;
export type ViewOf<F extends Fields> = { -readonly [K in keyof F]: F[K] extends Field<infer T> ? T : never };
/** A row as the database returns it: every column of the representation, each still to be decoded. */
export type RowOf<F extends Fields> = { [K in keyof F]: unknown };

export interface Representation<F extends Fields> {
  readonly fields: F;
  /** The column names, in the order of the representation. */
  readonly names: readonly (keyof F & string)[];
  /** The published schema: exactly these fields, no others (additionalProperties false). */
  readonly schema: z.ZodMiniObject<{ [K in keyof F]: F[K]['schema'] }>;
  /** Row → representation. */
  view(row: RowOf<F>): ViewOf<F>;
}

export function representation<F extends Fields>(fields: F): Representation<F> {
  const names = Object.keys(fields) as (keyof F & string)[];
  const shape = Object.fromEntries(names.map((name) => [name, fields[name]?.schema]));
  return {
    fields,
    names,
    schema: z.object(shape) as Representation<F>['schema'],
    view(row) {
      return Object.fromEntries(
        names.map((name) => [name, (fields[name] as Field).decode(row[name])]),
      ) as ViewOf<F>;
    },
  };
}
