import type { ColumnMetadata, Field, ResultSetOptions } from '@aws-sdk/client-rds-data';
import type { FieldDef } from 'pg';
import { parse as parseArray } from 'postgres-array';
import type { TableColumn } from './column-catalog.js';
import { databaseError, unsupportedResult } from './errors.js';

/** Result encoding as the Data API does it (data-api-json, API_ExecuteStatement, data-api.limitations). */

export const RESPONSE_LIMIT_BYTES = 1024 * 1024;
export const ROW_LIMIT_BYTES = 64 * 1024;

/** Types the Data API cannot return (data-api.troubleshooting, "Unsupported result exception"). */
const UNSUPPORTED = new Set(['money', 'point', 'line', 'lseg', 'box', 'path', 'polygon', 'circle']);
const INTEGER = new Set(['int2', 'int4', 'oid']);
const FLOAT = new Set(['float4', 'float8']);
/** JDBC type codes, as the Data API reports them in columnMetadata.type. */
const JDBC: Record<string, number> = {
  int2: 5,
  int4: 4,
  int8: -5,
  float4: 7,
  float8: 8,
  numeric: 2,
  bool: -7,
  text: 12,
  varchar: 12,
  bpchar: 1,
  timestamptz: 93,
  timestamp: 93,
  date: 91,
  time: 92,
  bytea: -2,
};

export interface TypeInfo {
  name: string;
  /** For arrays, the element type's name. */
  element?: string;
}

export type TypeCatalog = Map<number, TypeInfo>;

function scalar(type: string, text: string, options: ResultSetOptions): Field {
  if (INTEGER.has(type)) return { longValue: Number(text) };
  if (type === 'int8')
    return options.longReturnType === 'STRING' ? { stringValue: text } : { longValue: Number(text) };
  if (FLOAT.has(type)) return { doubleValue: Number(text) };
  if (type === 'numeric' && options.decimalReturnType === 'DOUBLE_OR_LONG') {
    return Number.isInteger(Number(text)) ? { longValue: Number(text) } : { doubleValue: Number(text) };
  }
  if (type === 'bool') return { booleanValue: text === 't' };
  if (type === 'bytea') return { blobValue: Buffer.from(text.slice(2), 'hex') };
  // The session runs in UTC: drop the "+00" PostgreSQL appends to timestamptz text.
  if (type === 'timestamptz') return { stringValue: text.replace(/\+00$/, '') };
  return { stringValue: text };
}

function arrayField(info: TypeInfo, text: string, options: ResultSetOptions): Field {
  if (/^\[|^\{\s*\{/.test(text)) throw unsupportedResult('Multidimensional arrays are not supported.');
  const items = parseArray(text);
  const element = info.element ?? 'text';
  if (INTEGER.has(element) || (element === 'int8' && options.longReturnType !== 'STRING')) {
    return { arrayValue: { longValues: items.map(Number) } };
  }
  if (FLOAT.has(element)) return { arrayValue: { doubleValues: items.map(Number) } };
  if (element === 'bool') return { arrayValue: { booleanValues: items.map((item) => item === 't') } };
  return { arrayValue: { stringValues: items } };
}

function encodeField(info: TypeInfo, text: string | null, options: ResultSetOptions): Field {
  if (text === null) return { isNull: true };
  if (UNSUPPORTED.has(info.name))
    throw unsupportedResult(`The result contains the unsupported data type ${info.name}.`);
  if (info.element) return arrayField(info, text, options);
  return scalar(info.name, text, options);
}

function fieldSize(field: Field): number {
  return JSON.stringify(field).length;
}

export function encodeRecords(
  rows: (string | null)[][],
  types: TypeInfo[],
  options: ResultSetOptions,
): Field[][] {
  return rows.map((row) => {
    const record = row.map((text, index) => encodeField(types[index] ?? { name: 'text' }, text, options));
    if (record.reduce((size, field) => size + fieldSize(field), 0) > ROW_LIMIT_BYTES) {
      throw databaseError('Packet for query is too large.');
    }
    return record;
  });
}

function jsonValue(field: Field): unknown {
  if (field.isNull) return null;
  if (field.arrayValue) {
    const array = field.arrayValue;
    return array.stringValues ?? array.longValues ?? array.doubleValues ?? array.booleanValues ?? [];
  }
  if (field.blobValue) return Buffer.from(field.blobValue).toString('base64');
  return field.stringValue ?? field.longValue ?? field.doubleValue ?? field.booleanValue ?? null;
}

/** formatRecordsAs JSON: one object a row; column names must be unique. */
export function formatRecords(records: Field[][], columns: FieldDef[]): string {
  const names = columns.map((column) => column.name);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate) throw databaseError(`The result set contains duplicate column name "${duplicate}".`);
  return JSON.stringify(
    records.map((record) => Object.fromEntries(record.map((f, i) => [names[i], jsonValue(f)]))),
  );
}

/** PgJDBC's answer for a type without a length (text, json, bytea, …): Integer.MAX_VALUE. */
const UNKNOWN_LENGTH = 2_147_483_647;
const FIXED_PRECISION: Record<string, number> = {
  int2: 5,
  int4: 10,
  oid: 10,
  int8: 19,
  float4: 8,
  float8: 17,
  bool: 1,
};
const FIXED_SCALE: Record<string, number> = { float4: 8, float8: 17 };

/** Seconds' digits of a time type: its typmod, 6 when unconstrained (-1). */
const fractionalDigits = (typmod: number) => (typmod < 0 ? 6 : typmod);

/** PgJDBC's TypeInfoCache.getPrecision, from the type and its typmod (an array answers for its element). */
export function precisionOf(type: string, typmod: number): number {
  const fixed = FIXED_PRECISION[type];
  if (fixed !== undefined) return fixed;
  if (type === 'numeric') return typmod < 0 ? 0 : ((typmod - 4) >> 16) & 0xffff;
  if (type === 'varchar' || type === 'bpchar') return typmod < 0 ? UNKNOWN_LENGTH : typmod - 4;
  const seconds = fractionalDigits(typmod);
  const fraction = seconds > 0 ? seconds + 1 : 0;
  if (type === 'date') return 13;
  if (type === 'time') return 8 + fraction;
  if (type === 'timetz') return 8 + fraction + 6;
  if (type === 'timestamp') return 13 + 8 + fraction;
  if (type === 'timestamptz') return 13 + 8 + fraction + 6;
  return UNKNOWN_LENGTH;
}

/** PgJDBC's TypeInfoCache.getScale. */
export function scaleOf(type: string, typmod: number): number {
  const fixed = FIXED_SCALE[type];
  if (fixed !== undefined) return fixed;
  if (type === 'numeric') return typmod < 0 ? 0 : (typmod - 4) & 0xffff;
  if (['time', 'timetz', 'timestamp', 'timestamptz'].includes(type)) return fractionalDigits(typmod);
  return 0;
}

/** JDBC ResultSetMetaData.isNullable: columnNoNulls 0, columnNullable 1, columnNullableUnknown 2. */
function nullability(column: TableColumn | undefined): number {
  if (!column) return 2;
  return column.notNull ? 0 : 1;
}

export function columnMetadata(
  columns: FieldDef[],
  types: TypeInfo[],
  tableColumns: (TableColumn | undefined)[] = [],
): ColumnMetadata[] {
  return columns.map((column, index) => {
    const typeName = types[index]?.name ?? 'unknown';
    const measured = types[index]?.element ?? typeName;
    const tableColumn = tableColumns[index];
    return {
      name: column.name,
      label: column.name,
      typeName,
      type: JDBC[typeName] ?? (typeName.startsWith('_') ? 2003 : 1111),
      arrayBaseColumnType: 0,
      isAutoIncrement: tableColumn?.autoIncrement ?? false,
      isCaseSensitive: typeName === 'text' || typeName === 'varchar',
      isCurrency: false,
      isSigned: INTEGER.has(typeName) || FLOAT.has(typeName) || typeName === 'int8' || typeName === 'numeric',
      nullable: nullability(tableColumn),
      precision: precisionOf(measured, column.dataTypeModifier),
      scale: scaleOf(measured, column.dataTypeModifier),
      schemaName: '',
      tableName: tableColumn?.tableName ?? '',
    };
  });
}

export function assertResponseSize(body: string): void {
  if (Buffer.byteLength(body) > RESPONSE_LIMIT_BYTES)
    throw databaseError('Database response exceeded size limit');
}
