import type { Field, ResultSetOptions } from '@aws-sdk/client-rds-data';
import type { FieldDef } from 'pg';
import { parse as parseArray } from 'postgres-array';
import { databaseError, unsupportedResult } from './errors.js';

/** Result encoding as the Data API does it (data-api-json, API_ExecuteStatement, data-api.limitations). */

export const RESPONSE_LIMIT_BYTES = 1024 * 1024;
export const ROW_LIMIT_BYTES = 64 * 1024;

/** Types the Data API cannot return (data-api.troubleshooting, "Unsupported result exception"). */
const UNSUPPORTED = new Set(['money', 'point', 'line', 'lseg', 'box', 'path', 'polygon', 'circle']);
const INTEGER = new Set(['int2', 'int4', 'oid']);
const FLOAT = new Set(['float4', 'float8']);
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

export function assertResponseSize(body: string): void {
  if (Buffer.byteLength(body) > RESPONSE_LIMIT_BYTES)
    throw databaseError('Database response exceeded size limit');
}
