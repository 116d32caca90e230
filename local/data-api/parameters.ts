import type { SqlParameter } from '@aws-sdk/client-rds-data';
import { scanSql } from '../../lambdas/db/sql-lexer.js';
import { validation } from './errors.js';

/**
 * Named parameters → PostgreSQL positional ones, each with the SQL type AWS binds it as (API_SqlParameter): a
 * stringValue is `text` unless its typeHint says otherwise — which is why `uuid_column = :id` fails with
 * "operator does not exist: uuid = text" in AWS, and here too.
 */
const TYPE_BY_HINT: Record<string, string> = {
  UUID: 'uuid',
  JSON: 'json',
  TIMESTAMP: 'timestamp',
  DATE: 'date',
  TIME: 'time',
  DECIMAL: 'numeric',
};

const FORMAT_BY_HINT: Record<string, RegExp> = {
  TIMESTAMP: /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,9})?$/,
  DATE: /^\d{4}-\d{2}-\d{2}$/,
  TIME: /^\d{2}:\d{2}:\d{2}(\.\d{1,9})?$/,
};

interface Bound {
  type: string | undefined;
  value: unknown;
}

function bind(parameter: SqlParameter): Bound {
  const field = parameter.value ?? { isNull: true };
  if (field.isNull) return { type: undefined, value: null };
  if (field.stringValue !== undefined) {
    const hint = parameter.typeHint;
    const format = hint ? FORMAT_BY_HINT[hint] : undefined;
    if (format && !format.test(field.stringValue)) {
      throw validation(
        `Text '${field.stringValue}' could not be parsed as ${hint} for parameter ${parameter.name}`,
      );
    }
    return { type: hint ? (TYPE_BY_HINT[hint] ?? 'text') : 'text', value: field.stringValue };
  }
  if (field.longValue !== undefined) return { type: 'int8', value: field.longValue };
  if (field.doubleValue !== undefined) return { type: 'float8', value: field.doubleValue };
  if (field.booleanValue !== undefined) return { type: 'boolean', value: field.booleanValue };
  if (field.blobValue !== undefined) return { type: 'bytea', value: Buffer.from(field.blobValue) };
  if (field.arrayValue !== undefined) throw validation('Array parameters are not supported.');
  throw validation(`Parameter ${parameter.name} has no value`);
}

export interface PositionalStatement {
  text: string;
  values: unknown[];
}

export function toPositional(sql: string, parameters: SqlParameter[] = []): PositionalStatement {
  const byName = new Map(parameters.map((parameter) => [parameter.name ?? '', parameter]));
  const order = new Map<string, number>();
  const values: unknown[] = [];
  const text = scanSql(sql)
    .map((segment) => {
      if (segment.kind !== 'code') return segment.text;
      // API_SqlParameter gives `name` no pattern: drizzle-orm names its parameters 1, 2, … and kysely-data-api
      // 0, 1, …, so a name is any run of letters, digits and underscores, a leading digit included.
      return segment.text.replace(/::|:(\w+)/g, (token, name: string | undefined) => {
        if (!name) return token;
        const parameter = byName.get(name);
        if (!parameter) throw validation(`No value specified for parameter: ${name}`);
        let position = order.get(name);
        const bound = bind(parameter);
        if (position === undefined) {
          values.push(bound.value);
          position = values.length;
          order.set(name, position);
        }
        return bound.type ? `$${position}::${bound.type}` : `$${position}`;
      });
    })
    .join('');
  return { text, values };
}
