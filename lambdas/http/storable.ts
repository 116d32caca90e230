import type { FieldError } from './problem.js';

/**
 * PostgreSQL refuses U+0000 in `text` and `jsonb`, and a lone UTF-16 surrogate (`"\ud800"`) has no UTF-8 form, so
 * either one would fail deep in the database as a 500. The edge finds them first and names the field.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 is exactly what this looks for.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

export const TEXT_PROBLEM = 'must not contain U+0000 or a lone UTF-16 surrogate';

/** Beyond ±1.7976931348623157e308 a JSON number has no double: it would be kept as null. */
export const NUMBER_PROBLEM = 'must be a number a double can hold (at most ±1.7976931348623157e308)';

/**
 * JSON.parse makes `"__proto__"` an own key, but copying the object by assignment (as validation does) sets the
 * copy's prototype instead, and the key silently vanishes from what is stored. Refused wherever it appears.
 */
export const PROTO_PROBLEM = 'a key named "__proto__" is not accepted';

export const isStorableText = (text: string) => !UNSTORABLE.test(text);

/** A field path segment with its unstorable characters spelled as `\uXXXX`, so the problem itself is clean. */
export const fieldSegment = (key: string) =>
  key.replace(UNSTORABLE_ALL, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** At most this many field errors: one bad request must not make a huge answer. */
const MAX_ERRORS = 20;

/**
 * Finds every string and key PostgreSQL could not store, every number or key that would not be stored as given,
 * and any value nested deeper than `maxDepth` (the root
 * is depth 1). Recursion stops at `maxDepth`, so a hostile 5,000-level body cannot overflow the stack here.
 */
export function unstorableFields(value: unknown, root: string, maxDepth: number): FieldError[] {
  const errors: FieldError[] = [];
  const visit = (node: unknown, path: string, depth: number): void => {
    if (errors.length >= MAX_ERRORS) return;
    if (typeof node === 'string') {
      if (!isStorableText(node)) errors.push({ field: path, message: TEXT_PROBLEM });
      return;
    }
    if (typeof node === 'number') {
      // JSON.parse reads 1e400 as Infinity, which JSON.stringify would then store as null.
      if (!Number.isFinite(node)) errors.push({ field: path, message: NUMBER_PROBLEM });
      return;
    }
    if (node === null || typeof node !== 'object') return;
    if (depth > maxDepth) {
      errors.push({ field: path, message: `must not be nested more than ${maxDepth} levels deep` });
      return;
    }
    const entries = Array.isArray(node) ? node.entries() : Object.entries(node);
    for (const [key, inner] of entries) {
      const innerPath = `${path}.${fieldSegment(String(key))}`;
      if (typeof key === 'string' && !isStorableText(key) && errors.length < MAX_ERRORS) {
        errors.push({ field: innerPath, message: `key ${TEXT_PROBLEM}` });
      }
      if (key === '__proto__' && errors.length < MAX_ERRORS) {
        errors.push({ field: innerPath, message: PROTO_PROBLEM });
      }
      visit(inner, innerPath, depth + 1);
    }
  };
  visit(value, root, 1);
  return errors;
}
