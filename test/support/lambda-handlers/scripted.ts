import { appendFileSync } from 'node:fs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

/**
 * A test Lambda whose behaviour each message body scripts. Every record it sees is appended to RECORD_FILE as a
 * JSON line (body, receive count, pid, start and end time), which the test reads back.
 *   ok            succeed
 *   fail-once     report the record as a batch item failure on its first receive
 *   bogus-once    on the first receive, report an itemIdentifier that is not in the batch
 *   throw         throw (every time)
 *   hang-once     on the first receive, wait far longer than any test (for a kill or the function timeout)
 *   sleep:<ms>    wait that long, then succeed
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function record(entry: Record<string, unknown>) {
  appendFileSync(process.env.RECORD_FILE as string, `${JSON.stringify({ pid: process.pid, ...entry })}\n`);
}

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const failures: { itemIdentifier: string }[] = [];
  for (const message of event.Records) {
    const count = Number(message.attributes.ApproximateReceiveCount);
    const start = Date.now();
    record({
      body: message.body,
      count,
      phase: 'start',
      at: start,
      env: { sqs: process.env.AWS_ENDPOINT_URL_SQS },
    });
    const first = count === 1;
    if (message.body === 'fail-once' && first) failures.push({ itemIdentifier: message.messageId });
    if (message.body === 'bogus-once' && first) failures.push({ itemIdentifier: 'not-in-this-batch' });
    if (message.body === 'throw') throw new Error('scripted failure');
    if (message.body === 'hang-once' && first) await sleep(600_000);
    if (message.body.startsWith('sleep:')) await sleep(Number(message.body.slice('sleep:'.length)));
    record({ body: message.body, count, phase: 'end', start, at: Date.now() });
  }
  return { batchItemFailures: failures };
}
