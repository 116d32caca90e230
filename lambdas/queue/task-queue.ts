import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';

/** In AWS, due tasks travel to the worker Lambda through SQS: a message names one task by id. */
let client: SQSClient | undefined;

export interface TaskMessage {
  taskId: string;
}

/** Sends one message per task, 10 per call (SQS's batch limit). Returns the ids SQS refused. */
export async function enqueueTasks(queueUrl: string, taskIds: string[]): Promise<string[]> {
  client ??= new SQSClient({});
  const refused: string[] = [];
  for (let start = 0; start < taskIds.length; start += 10) {
    const batch = taskIds.slice(start, start + 10);
    const output = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((taskId, index) => ({
          Id: String(index),
          MessageBody: JSON.stringify({ taskId } satisfies TaskMessage),
        })),
      }),
    );
    for (const failure of output.Failed ?? []) refused.push(batch[Number(failure.Id)] ?? '');
  }
  return refused;
}

export function parseTaskMessage(body: string): TaskMessage {
  const parsed = JSON.parse(body) as Partial<TaskMessage>;
  if (typeof parsed.taskId !== 'string' || !/^[0-9a-f-]{36}$/i.test(parsed.taskId)) {
    throw new Error('message does not name a task');
  }
  return { taskId: parsed.taskId };
}
