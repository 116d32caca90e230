import { describe, expect, it } from 'vitest';
import { storableText } from '../../lambdas/worker/storable-text.js';

const wellFormed = (text: string) =>
  !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);

describe('storableText', () => {
  it('replaces NUL and lone surrogates (high, low, reversed pair) with U+FFFD and keeps valid pairs', () => {
    expect(storableText('a\u0000b', 100)).toBe('a\uFFFDb');
    expect(storableText('\ud800x\udc00', 100)).toBe('\uFFFDx\uFFFD');
    expect(storableText('\udc00\ud800', 100)).toBe('\uFFFD\uFFFD');
    expect(storableText('pair 😀 ok', 100)).toBe('pair 😀 ok');
  });

  it('cuts at every offset without splitting a character, and stays within the byte limit', () => {
    const text = `ab${'é😀中'.repeat(40)}`;
    for (let limit = 20; limit < Buffer.byteLength(text); limit += 1) {
      const cut = storableText(text, limit);
      expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(limit);
      expect(cut.endsWith('… [truncated]')).toBe(true);
      expect(cut).not.toContain('\uFFFD');
      expect(wellFormed(cut)).toBe(true);
      expect(text.startsWith(cut.slice(0, -'… [truncated]'.length))).toBe(true);
    }
  });

  it('leaves text within the limit as it is', () => {
    expect(storableText('é'.repeat(10), 20)).toBe('é'.repeat(10));
  });
});
