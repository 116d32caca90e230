import { scanSql } from '../sql-lexer.js';

/** The Data API's typeHint values (API_SqlParameter). */
export type TypeHint = 'UUID' | 'JSON' | 'TIMESTAMP' | 'DATE' | 'TIME' | 'DECIMAL';

const HINT_BY_CAST: Record<string, TypeHint> = {
  uuid: 'UUID',
  json: 'JSON',
  jsonb: 'JSON',
  timestamp: 'TIMESTAMP',
  timestamptz: 'TIMESTAMP',
  date: 'DATE',
  time: 'TIME',
  numeric: 'DECIMAL',
  decimal: 'DECIMAL',
};

export interface NamedStatement {
  /** The SQL with `$n` replaced by `:pn`. */
  sql: string;
  /** Parameter index (1-based) → the typeHint its cast asks for, when it has one. */
  hints: Map<number, TypeHint>;
}

export const parameterName = (index: number) => `p${index}`;

/**
 * Rewrites PostgreSQL positional placeholders (`$1`) into the Data API's named ones (`:p1`), only in code — never in
 * string literals, quoted identifiers, dollar-quoted bodies or comments. The cast written after a placeholder
 * (`$1::uuid`) names its typeHint, so the SQL text stays the one place that says what type a parameter is.
 */
export function toNamedParameters(text: string): NamedStatement {
  const hints = new Map<number, TypeHint>();
  const sql = scanSql(text)
    .map((segment) => {
      if (segment.kind !== 'code') return segment.text;
      return segment.text.replace(
        /\$(\d+)(\s*::\s*([A-Za-z_]+))?/g,
        (_, digits: string, cast = '', type = '') => {
          const index = Number(digits);
          const hint = HINT_BY_CAST[type.toLowerCase()];
          if (hint) hints.set(index, hint);
          return `:${parameterName(index)}${cast}`;
        },
      );
    })
    .join('');
  return { sql, hints };
}
