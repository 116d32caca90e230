import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SqsError, unknownOperation } from './errors.js';
import { SqsService } from './service.js';

export interface LocalSqs {
  endpoint: string;
  service: SqsService;
  server: Server;
  /** Calls received so far, by operation name (e.g. `ReceiveMessage`); for tests that count traffic. */
  calls: Record<string, number>;
  resetCalls(): void;
  close(): Promise<void>;
}

type Operation = (service: SqsService, input: Record<string, unknown>, signal: AbortSignal) => unknown;

const OPERATIONS: Record<string, Operation> = {
  CreateQueue: (s, i) => s.CreateQueue(i),
  GetQueueUrl: (s, i) => s.GetQueueUrl(i),
  ListQueues: (s, i) => s.ListQueues(i),
  DeleteQueue: (s, i) => s.DeleteQueue(i),
  GetQueueAttributes: (s, i) => s.GetQueueAttributes(i),
  SetQueueAttributes: (s, i) => s.SetQueueAttributes(i),
  SendMessage: (s, i) => s.SendMessage(i),
  SendMessageBatch: (s, i) => s.SendMessageBatch(i),
  ReceiveMessage: (s, i, signal) => s.ReceiveMessage(i, signal),
  DeleteMessage: (s, i) => s.DeleteMessage(i),
  DeleteMessageBatch: (s, i) => s.DeleteMessageBatch(i),
  ChangeMessageVisibility: (s, i) => s.ChangeMessageVisibility(i),
  ChangeMessageVisibilityBatch: (s, i) => s.ChangeMessageVisibilityBatch(i),
  PurgeQueue: (s, i) => s.PurgeQueue(i),
};

/**
 * A local Amazon SQS endpoint speaking the AWS JSON 1.0 protocol as @aws-sdk/client-sqs sends it: `POST /` with
 * `X-Amz-Target: AmazonSQS.<Operation>`. It accepts any SigV4 signature; behaviours: docs/sqs-endpoint.md.
 */
export async function startLocalSqs(
  options: { port?: number; host?: string; region?: string } = {},
): Promise<LocalSqs> {
  let endpoint = '';
  const service = new SqsService(() => endpoint, options.region ?? 'us-east-1');
  const calls: Record<string, number> = {};
  const server = createServer(async (request, response) => {
    const aborted = new AbortController();
    response.on('close', () => aborted.abort());
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      if (response.writableEnded || response.destroyed) return;
      response.writeHead(status, {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-requestid': crypto.randomUUID(),
        ...headers,
      });
      response.end(JSON.stringify(body));
    };
    try {
      const target = String(request.headers['x-amz-target'] ?? '');
      const name = target.startsWith('AmazonSQS.') ? target.slice('AmazonSQS.'.length) : '';
      const operation = OPERATIONS[name];
      if (request.method !== 'POST' || !operation)
        throw unknownOperation(target || `${request.method} ${request.url}`);
      calls[name] = (calls[name] ?? 0) + 1;
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        throw new SqsError(
          'SerializationException',
          'SerializationException',
          400,
          'Request body is not valid JSON',
        );
      }
      send(200, await operation(service, input, aborted.signal));
    } catch (caught) {
      const error =
        caught instanceof SqsError
          ? caught
          : new SqsError('InternalError', 'InternalError', 500, 'We encountered an internal error.');
      if (!(caught instanceof SqsError)) console.error('local sqs failure', caught);
      send(
        error.status,
        { __type: `com.amazonaws.sqs#${error.shape}`, message: error.message },
        { 'x-amzn-query-error': `${error.queryCode};${error.status < 500 ? 'Sender' : 'Receiver'}` },
      );
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    service,
    server,
    calls,
    resetCalls: () => {
      for (const name of Object.keys(calls)) delete calls[name];
    },
    async close() {
      service.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
