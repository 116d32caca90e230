/**
 * A small PostgreSQL lexer: it cuts SQL text into code and the parts that must never be rewritten or split —
 * string literals ('…', E'…'), quoted identifiers ("…"), dollar-quoted bodies ($tag$…$tag$) and comments
 * (-- … and nested /* … *\/). The statement splitter and both placeholder rewriters work on `code` parts only.
 */
export type SegmentKind = 'code' | 'string' | 'identifier' | 'dollar' | 'comment';

export interface Segment {
  kind: SegmentKind;
  text: string;
}

const DOLLAR_TAG = /^\$([A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/;

function endOfQuoted(text: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i];
    if (backslashEscapes && ch === '\\') i += 2;
    else if (ch === quote && text[i + 1] === quote) i += 2;
    else if (ch === quote) return i + 1;
    else i += 1;
  }
  return text.length;
}

function endOfBlockComment(text: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < text.length) {
    if (text.startsWith('/*', i)) {
      depth += 1;
      i += 2;
    } else if (text.startsWith('*/', i)) {
      depth -= 1;
      i += 2;
      if (depth === 0) return i;
    } else i += 1;
  }
  return text.length;
}

/** Where the non-code part starting at `i` ends, or undefined when `i` starts plain code. */
function scanSpecial(text: string, i: number): { kind: SegmentKind; end: number } | undefined {
  const ch = text[i];
  const prev = i > 0 ? text[i - 1] : '';
  if (ch === "'") {
    const escaped = (prev === 'E' || prev === 'e') && !/[\w$]/.test(text[i - 2] ?? '');
    return { kind: 'string', end: endOfQuoted(text, i, "'", escaped) };
  }
  if (ch === '"') return { kind: 'identifier', end: endOfQuoted(text, i, '"', false) };
  if (ch === '-' && text[i + 1] === '-') {
    const newline = text.indexOf('\n', i);
    return { kind: 'comment', end: newline === -1 ? text.length : newline };
  }
  if (ch === '/' && text[i + 1] === '*') return { kind: 'comment', end: endOfBlockComment(text, i) };
  if (ch === '$' && !/[\w$]/.test(prev ?? '')) {
    const tag = DOLLAR_TAG.exec(text.slice(i, i + 64))?.[0];
    if (tag) {
      const close = text.indexOf(tag, i + tag.length);
      return { kind: 'dollar', end: close === -1 ? text.length : close + tag.length };
    }
  }
  return undefined;
}

export function scanSql(text: string): Segment[] {
  const segments: Segment[] = [];
  let codeStart = 0;
  let i = 0;
  while (i < text.length) {
    const special = scanSpecial(text, i);
    if (!special) {
      i += 1;
      continue;
    }
    if (i > codeStart) segments.push({ kind: 'code', text: text.slice(codeStart, i) });
    segments.push({ kind: special.kind, text: text.slice(i, special.end) });
    i = special.end;
    codeStart = i;
  }
  if (codeStart < text.length) segments.push({ kind: 'code', text: text.slice(codeStart) });
  return segments;
}

/** Splits a script into statements on top-level semicolons; comment-only and empty pieces are dropped. */
export function splitStatements(script: string): string[] {
  const statements: string[] = [];
  let current = '';
  let hasCode = false;
  for (const segment of scanSql(script)) {
    if (segment.kind !== 'code') {
      current += segment.text;
      if (segment.kind !== 'comment') hasCode = true;
      continue;
    }
    const pieces = segment.text.split(';');
    pieces.forEach((piece, index) => {
      if (index > 0) {
        if (hasCode) statements.push(current.trim());
        current = '';
        hasCode = false;
      }
      current += piece;
      if (piece.trim() !== '') hasCode = true;
    });
  }
  if (hasCode) statements.push(current.trim());
  return statements;
}
