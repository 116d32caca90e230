import type { ColumnMetadata } from '@aws-sdk/client-rds-data';
import type { FieldDef } from 'pg';
import type { TableColumn } from './column-catalog.js';
import type { TypeInfo } from './results.js';

/**
 * columnMetadata as the Data API reports it (API_ColumnMetadata): the values of PgJDBC's ResultSetMetaData —
 * JDBC type codes in `type`, `schemaName` always "" (PgJDBC's getSchemaName), `tableName` the base table
 * (getTableName), and precision, scale, signedness and case sensitivity from PgJDBC's TypeInfoCache, where an
 * array answers for its element type.
 */

/** java.sql.Types codes; other types are OTHER (1111), arrays ARRAY (2003). */
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

/** TypeInfoCache's unknownLength (Integer.MAX_VALUE): text, bytea, json, uuid, … */
const UNKNOWN_LENGTH = 2_147_483_647;
const FIXED_PRECISION: Record<string, number> = {
  int2: 5,
  int4: 10,
  oid: 10,
  int8: 19,
  float4: 8,
  float8: 17,
  bool: 1,
  char: 1,
  date: 13,
  interval: 49,
};
const SIGNED = new Set(['int2', 'int4', 'int8', 'float4', 'float8', 'numeric']);
const CASE_INSENSITIVE = new Set([
  ...SIGNED,
  'oid',
  'bool',
  'bit',
  'varbit',
  'date',
  'time',
  'timetz',
  'timestamp',
  'timestamptz',
  'interval',
]);
const TIME_TYPES = new Set(['time', 'timetz', 'timestamp', 'timestamptz']);

/** TypeInfoCache.getDisplaySize for the time types: the longest text, fractional digits and point included. */
function timeLength(type: string, typmod: number): number {
  const fraction = typmod === -1 ? 7 : typmod === 0 ? 0 : typmod === 1 ? 3 : typmod + 1;
  const zone = type.endsWith('tz') ? 6 : 0;
  return (type.startsWith('timestamp') ? 13 + 1 + 8 : 8) + fraction + zone;
}

/** TypeInfoCache.getPrecision. */
export function precisionOf(type: string, typmod: number): number {
  const fixed = FIXED_PRECISION[type];
  if (fixed !== undefined) return fixed;
  if (type === 'numeric') return typmod === -1 ? 0 : ((typmod - 4) >> 16) & 0xffff;
  if (type === 'varchar' || type === 'bpchar') return typmod === -1 ? UNKNOWN_LENGTH : typmod - 4;
  if (type === 'bit') return typmod;
  if (type === 'varbit') return typmod === -1 ? UNKNOWN_LENGTH : typmod;
  if (TIME_TYPES.has(type)) return timeLength(type, typmod);
  return UNKNOWN_LENGTH;
}

/** TypeInfoCache.getScale. */
export function scaleOf(type: string, typmod: number): number {
  if (type === 'float4') return 8;
  if (type === 'float8') return 17;
  if (type === 'numeric') return typmod === -1 ? 0 : (typmod - 4) & 0xffff;
  if (TIME_TYPES.has(type)) return typmod === -1 ? 6 : typmod;
  if (type === 'interval') return typmod === -1 ? 6 : typmod & 0xffff;
  return 0;
}

/**
 * PgResultSetMetaData.isNullable: columnNoNulls (0) for a NOT NULL table column (or one of a NOT NULL domain),
 * columnNullable (1) otherwise — also for computed columns, where PgJDBC has no catalog entry to ask.
 */
const nullability = (column: TableColumn | undefined) => (column?.notNull ? 0 : 1);

export function columnMetadata(
  columns: FieldDef[],
  types: TypeInfo[],
  tableColumns: (TableColumn | undefined)[],
): ColumnMetadata[] {
  return columns.map((column, index) => {
    const typeName = types[index]?.name ?? 'unknown';
    const base = types[index]?.element ?? typeName;
    const tableColumn = tableColumns[index];
    return {
      name: column.name,
      label: column.name,
      typeName,
      type: JDBC[typeName] ?? (typeName.startsWith('_') ? 2003 : 1111),
      arrayBaseColumnType: 0,
      isAutoIncrement: tableColumn?.autoIncrement ?? false,
      isCaseSensitive: !CASE_INSENSITIVE.has(base),
      isCurrency: base === 'money',
      isSigned: SIGNED.has(base),
      nullable: nullability(tableColumn),
      precision: precisionOf(base, column.dataTypeModifier),
      scale: scaleOf(base, column.dataTypeModifier),
      schemaName: '',
      tableName: tableColumn?.tableName ?? '',
    };
  });
}
