import type { ArrayValue, ColumnMetadata, Field, SqlParameter } from '@aws-sdk/client-rds-data';
import type { Row, SqlValue } from '../port.js';
import type { TypeHint } from './placeholders.js';

/** 'YYYY-MM-DD HH:MM:SS.FFF' in UTC: the only TIMESTAMP form the Data API accepts (no T, no Z). */
export function toDataApiTimestamp(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/** One JS value → a typed SqlParameter. Strings stay text unless the SQL's cast asked for a typeHint. */
export function toSqlParameter(
  name: string,
  value: SqlValue | undefined,
  hint: TypeHint | undefined,
): SqlParameter {
  if (value === null || value === undefined) return { name, value: { isNull: true } };
  if (value instanceof Date) {
    return { name, value: { stringValue: toDataApiTimestamp(value) }, typeHint: 'TIMESTAMP' };
  }
  if (value instanceof Uint8Array) return { name, value: { blobValue: value } };
  switch (typeof value) {
    case 'boolean':
      return { name, value: { booleanValue: value } };
    case 'number':
      return Number.isSafeInteger(value)
        ? { name, value: { longValue: value } }
        : { name, value: { doubleValue: value } };
    case 'bigint':
      return { name, value: { stringValue: value.toString() } };
    default: {
      const text = hint === 'TIMESTAMP' && /T.*Z$/.test(value) ? toDataApiTimestamp(new Date(value)) : value;
      return { name, value: { stringValue: text }, ...(hint ? { typeHint: hint } : {}) };
    }
  }
}

function fromArray(array: ArrayValue | null | undefined): unknown[] {
  if (!array) return [];
  return (
    array.stringValues ??
    array.longValues ??
    array.doubleValues ??
    array.booleanValues ??
    array.arrayValues?.map((inner) => fromArray(inner)) ??
    []
  );
}

/**
 * One result field → the value the `pg` adapter would give for the same column type, so the domain cannot tell
 * the adapters apart: int8 and numeric as strings (no precision loss), json as parsed JSON, timestamps as Date.
 */
export function fromField(field: Field, column: ColumnMetadata | undefined): unknown {
  if (field.isNull) return null;
  const type = column?.typeName?.toLowerCase() ?? '';
  if (field.stringValue !== undefined) {
    const text = field.stringValue;
    if (type === 'json' || type === 'jsonb') return JSON.parse(text);
    if (type === 'timestamptz' || type === 'timestamp') return new Date(`${text.replace(' ', 'T')}Z`);
    return text;
  }
  if (field.longValue !== undefined) return type === 'int8' ? String(field.longValue) : field.longValue;
  if (field.doubleValue !== undefined) return field.doubleValue;
  if (field.booleanValue !== undefined) return field.booleanValue;
  if (field.blobValue !== undefined) return field.blobValue;
  if (field.arrayValue !== undefined) return fromArray(field.arrayValue);
  return null;
}

export function fromRecords(records: Field[][] | undefined, columns: ColumnMetadata[] | undefined): Row[] {
  if (!records) return [];
  const names = (columns ?? []).map((column, index) => column.label ?? column.name ?? `column${index + 1}`);
  return records.map((record) =>
    Object.fromEntries(
      record.map((field, index) => [
        names[index] ?? `column${index + 1}`,
        fromField(field, columns?.[index]),
      ]),
    ),
  );
}
