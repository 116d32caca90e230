import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { successfulRecords } from '../../local/lambda/sqs-event-source.js';

/** The partial batch response rules of "Handling errors for an SQS event source in Lambda". */
const records = ['a', 'b', 'c'].map((messageId) => ({ messageId }) as SQSRecord);
const ids = (kept: SQSRecord[]) => kept.map((record) => record.messageId);

describe('successfulRecords (which messages the event source mapping deletes)', () => {
  it('treats no response, a null or empty list as complete success', () => {
    for (const response of [undefined, null, {}, { batchItemFailures: null }, { batchItemFailures: [] }]) {
      expect(ids(successfulRecords(records, response, true))).toEqual(['a', 'b', 'c']);
    }
  });

  it('keeps the listed messages and deletes the rest', () => {
    const response = { batchItemFailures: [{ itemIdentifier: 'b' }] };
    expect(ids(successfulRecords(records, response, true))).toEqual(['a', 'c']);
  });

  it('fails the whole batch for an empty, null, misnamed or unknown itemIdentifier, or a malformed response', () => {
    for (const response of [
      { batchItemFailures: [{ itemIdentifier: '' }] },
      { batchItemFailures: [{ itemIdentifier: null }] },
      { batchItemFailures: [{ messageId: 'b' }] },
      { batchItemFailures: [{ itemIdentifier: 'z' }] },
      { batchItemFailures: 'b' },
      'not an object',
    ]) {
      expect(successfulRecords(records, response, true)).toEqual([]);
    }
  });

  it('ignores the response when ReportBatchItemFailures is off: a successful invocation deletes everything', () => {
    const response = { batchItemFailures: [{ itemIdentifier: 'b' }] };
    expect(ids(successfulRecords(records, response, false))).toEqual(['a', 'b', 'c']);
  });
});
