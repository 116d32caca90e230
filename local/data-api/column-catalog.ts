import type pg from 'pg';
import type { FieldDef } from 'pg';

/**
 * What PostgreSQL knows about a result column that came straight from a table: its table's name, whether it is
 * NOT NULL and whether it is filled by a sequence or an identity. The Data API's columnMetadata is PgJDBC's
 * ResultSetMetaData (API_ColumnMetadata; JDBC type codes), and PgJDBC reads the same three facts from the
 * catalog by the table OID and column number the server sends with every field.
 *
 * This query lives here and not in lambdas/sql/: it is the endpoint standing in for AWS's side of the wire, not
 * a statement of the service.
 */
export interface TableColumn {
  tableName: string;
  notNull: boolean;
  autoIncrement: boolean;
}

const COLUMNS_OF_TABLES = `
  SELECT a.attrelid::int AS table_id, a.attnum::int AS column_id, c.relname AS table_name,
         a.attnotnull OR (t.typtype = 'd' AND t.typnotnull) AS not_null,
         a.attidentity <> '' OR coalesce(pg_get_expr(d.adbin, d.adrelid) LIKE '%nextval(%', false) AS auto_increment
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped`;

interface ColumnRow {
  table_id: number;
  column_id: number;
  table_name: string;
  not_null: boolean;
  auto_increment: boolean;
}

/**
 * Per database, cached per table (looked up once, the first time one of its columns is returned). A table whose
 * columns change later (ALTER TABLE … SET NOT NULL) keeps its first answer until the endpoint restarts. The lookup
 * runs on the connection that ran the statement, so a table created in a still open transaction is found; a
 * table not found (dropped meanwhile) is not cached.
 */
export class ColumnCatalog {
  private readonly tables = new Map<number, Map<number, TableColumn>>();

  async describe(fields: FieldDef[], db: pg.Pool | pg.PoolClient): Promise<(TableColumn | undefined)[]> {
    const missing = [...new Set(fields.map((field) => field.tableID))].filter(
      (id) => id !== 0 && !this.tables.has(id),
    );
    if (missing.length > 0) {
      const { rows } = await db.query<ColumnRow>(COLUMNS_OF_TABLES, [missing]);
      for (const row of rows) {
        let columns = this.tables.get(row.table_id);
        if (!columns) {
          columns = new Map();
          this.tables.set(row.table_id, columns);
        }
        columns.set(row.column_id, {
          tableName: row.table_name,
          notNull: row.not_null,
          autoIncrement: row.auto_increment,
        });
      }
    }
    return fields.map((field) => this.tables.get(field.tableID)?.get(field.columnID));
  }
}
