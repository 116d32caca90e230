import { describe, expect, it } from 'vitest';
import { scanSql, splitStatements } from '../../lambdas/db/sql-lexer.js';

describe('splitStatements', () => {
  it('splits on top-level semicolons and drops empty pieces', () => {
    expect(splitStatements('SELECT 1; SELECT 2;;\n')).toEqual(['SELECT 1', 'SELECT 2']);
  });

  it('keeps semicolons inside strings, E-strings, quoted identifiers and comments', () => {
    const script = `INSERT INTO t VALUES ('a;b', E'c\\';d'); SELECT "x;y" FROM t -- trailing; comment
; /* block; /* nested; */ still; */ SELECT 3`;
    expect(splitStatements(script)).toEqual([
      "INSERT INTO t VALUES ('a;b', E'c\\';d')",
      'SELECT "x;y" FROM t -- trailing; comment',
      '/* block; /* nested; */ still; */ SELECT 3',
    ]);
  });

  it('keeps dollar-quoted function bodies whole, tagged or not', () => {
    const script = `CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql;
CREATE FUNCTION g() RETURNS text AS $body$ SELECT 'a;$$;'; $body$ LANGUAGE sql;`;
    const statements = splitStatements(script);
    expect(statements).toHaveLength(2);
    expect(statements[0]).toContain('RETURN 1; END; $$ LANGUAGE plpgsql');
    expect(statements[1]).toContain("SELECT 'a;$$;'; $body$ LANGUAGE sql");
  });

  it('drops comment-only statements', () => {
    expect(splitStatements('-- Up Migration\n-- nothing here;\n')).toEqual([]);
    expect(splitStatements('-- header\nSELECT 1;\n-- footer')).toEqual(['-- header\nSELECT 1']);
  });

  it('does not mistake positional parameters for dollar quotes', () => {
    expect(splitStatements('SELECT $1, $2; SELECT $1')).toEqual(['SELECT $1, $2', 'SELECT $1']);
  });
});

describe('scanSql', () => {
  it('reassembles to the exact input', () => {
    const text = `SELECT 'it''s', "q""id", $t$x$t$ /* c */ -- d\n, $1::jsonb`;
    expect(
      scanSql(text)
        .map((segment) => segment.text)
        .join(''),
    ).toBe(text);
  });

  it('labels each part', () => {
    expect(scanSql(`a 'b' "c" $$d$$ -- e\n/* f */`).map((segment) => segment.kind)).toEqual([
      'code',
      'string',
      'code',
      'identifier',
      'code',
      'dollar',
      'code',
      'comment',
      'code',
      'comment',
    ]);
  });
});
