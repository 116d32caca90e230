/**
 * PostgreSQL's text refuses U+0000, and a lone UTF-16 surrogate has no UTF-8 form (the pg driver silently turns it
 * into U+FFFD; the Data API's JSON may refuse it). A result or an error message carrying either would make the
 * outcome write fail — a success would then be re-run — so both become U+FFFD before they are written.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what must be found.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const MARKER = '… [truncated]';

/** `text` made storable and cut to at most `limitBytes` UTF-8 bytes (with a marker), never inside a character. */
export function storableText(text: string, limitBytes: number): string {
  const clean = text.replace(UNSTORABLE, '\uFFFD');
  const bytes = Buffer.from(clean, 'utf8');
  if (bytes.length <= limitBytes) return clean;
  let end = Math.max(0, limitBytes - Buffer.byteLength(MARKER));
  // Back off over UTF-8 continuation bytes (10xxxxxx) so the cut falls between whole characters.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return `${bytes.subarray(0, end).toString('utf8')}${MARKER}`;
}
