/**
 * An SQS error as the AWS JSON 1.0 protocol sends it: `{"__type": "com.amazonaws.sqs#<Shape>", "message"}` plus
 * the `x-amzn-query-error: <QueryCode>;Sender` header. @aws-sdk/client-sqs is query-compatible: it reads the code
 * from that header first and maps it to the modelled exception through the shape's `awsQueryError` trait, so both
 * must agree with the SDK's error models (node_modules/@aws-sdk/client-sqs, `awsQueryError`).
 */
export class SqsError extends Error {
  constructor(
    readonly shape: string,
    readonly queryCode: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const invalidParameterValue = (message: string) =>
  new SqsError('InvalidParameterValue', 'InvalidParameterValue', 400, message);
export const missingParameter = (name: string) =>
  new SqsError(
    'MissingParameter',
    'MissingParameter',
    400,
    `The request must contain the parameter ${name}.`,
  );
export const queueDoesNotExist = () =>
  new SqsError(
    'QueueDoesNotExist',
    'AWS.SimpleQueueService.NonExistentQueue',
    400,
    'The specified queue does not exist.',
  );
export const queueNameExists = (name: string) =>
  new SqsError(
    'QueueNameExists',
    'QueueAlreadyExists',
    400,
    `A queue already exists with the same name and a different value for attribute(s) of ${name}`,
  );
export const receiptHandleIsInvalid = (handle: string) =>
  new SqsError(
    'ReceiptHandleIsInvalid',
    'ReceiptHandleIsInvalid',
    404,
    `The input receipt handle "${handle}" is not a valid receipt handle.`,
  );
export const messageNotInflight = () =>
  new SqsError(
    'MessageNotInflight',
    'AWS.SimpleQueueService.MessageNotInflight',
    400,
    'Message not inflight.',
  );
export const invalidAttributeName = (name: string) =>
  new SqsError('InvalidAttributeName', 'InvalidAttributeName', 400, `Unknown Attribute ${name}.`);
export const emptyBatchRequest = () =>
  new SqsError(
    'EmptyBatchRequest',
    'AWS.SimpleQueueService.EmptyBatchRequest',
    400,
    'There should be at least one entry in the request.',
  );
export const tooManyEntries = (count: number) =>
  new SqsError(
    'TooManyEntriesInBatchRequest',
    'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
    400,
    `Maximum number of entries per request are 10. You have sent ${count}.`,
  );
export const batchIdsNotDistinct = (id: string) =>
  new SqsError(
    'BatchEntryIdsNotDistinct',
    'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
    400,
    `Id ${id} repeated.`,
  );
export const invalidBatchEntryId = () =>
  new SqsError(
    'InvalidBatchEntryId',
    'AWS.SimpleQueueService.InvalidBatchEntryId',
    400,
    'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
  );
export const batchRequestTooLong = (size: number) =>
  new SqsError(
    'BatchRequestTooLong',
    'AWS.SimpleQueueService.BatchRequestTooLong',
    400,
    `Batch requests cannot be longer than 262144 bytes. You have sent ${size} bytes.`,
  );
export const unknownOperation = (target: string) =>
  new SqsError(
    'UnsupportedOperation',
    'AWS.SimpleQueueService.UnsupportedOperation',
    400,
    `Unknown operation ${target}`,
  );
