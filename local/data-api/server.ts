import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataApiEngine, type DataApiEngineOptions } from './engine.js';
import { DataApiError, fromPostgresError } from './errors.js';
import { AnswerFaults, type DataApiOperation, type LostAnswers } from './faults.js';
import { assertResponseSize } from './results.js';

/** The Data API's REST paths (restJson1, as @aws-sdk/client-rds-data sends them) → engine operations. */
const OPERATIONS: Record<
  string,
  { name: DataApiOperation; run: (engine: DataApiEngine, input: never) => Promise<unknown> }
> = {
  '/Execute': { name: 'execute', run: (engine, input) => engine.executeStatement(input) },
  '/BatchExecute': { name: 'batchExecute', run: (engine, input) => engine.batchExecuteStatement(input) },
  '/BeginTransaction': { name: 'begin', run: (engine, input) => engine.beginTransaction(input) },
  '/CommitTransaction': { name: 'commit', run: (engine, input) => engine.commitTransaction(input) },
  '/RollbackTransaction': { name: 'rollback', run: (engine, input) => engine.rollbackTransaction(input) },
};

export interface LocalDataApi {
  endpoint: string;
  engine: DataApiEngine;
  /** Fault injection: answers lost after their call ran and committed. */
  faults: AnswerFaults;
  server: Server;
  /** Calls received so far, by operation path without the slash (e.g. `Execute`); for tests that count traffic. */
  calls: Record<string, number>;
  resetCalls(): void;
  close(): Promise<void>;
}

/**
 * A local RDS Data API endpoint. It accepts any ARNs and any SigV4 signature; everything else follows the
 * documented current Data API for Aurora PostgreSQL (see docs/data-api-endpoint.md).
 */
export async function startLocalDataApi(
  options: DataApiEngineOptions & { port?: number; host?: string; lostAnswers?: LostAnswers },
): Promise<LocalDataApi> {
  const engine = new DataApiEngine(options);
  const calls: Record<string, number> = {};
  const faults = new AnswerFaults(options.lostAnswers);
  const server = createServer(async (request, response) => {
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      response.writeHead(status, {
        'content-type': 'application/json',
        'x-amzn-requestid': crypto.randomUUID(),
        ...headers,
      });
      response.end(body);
    };
    try {
      const operation = OPERATIONS[new URL(request.url ?? '/', 'http://localhost').pathname];
      if (request.method !== 'POST' || !operation) {
        throw new DataApiError(
          'UnknownOperationException',
          404,
          `No operation at ${request.method} ${request.url}`,
        );
      }
      const name = new URL(request.url ?? '/', 'http://localhost').pathname.slice(1);
      calls[name] = (calls[name] ?? 0) + 1;
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      let input: unknown;
      try {
        input = JSON.parse(text || '{}');
      } catch {
        throw new DataApiError('SerializationException', 400, 'Request body is not valid JSON');
      }
      const body = JSON.stringify(await operation.run(engine, input as never));
      assertResponseSize(body);
      const lost = faults.take(operation.name, text);
      if (lost === 'reset') {
        request.socket.destroy();
        return;
      }
      if (lost === 'error')
        throw new DataApiError('InternalServerErrorException', 500, 'Internal server error');
      send(200, body);
    } catch (caught) {
      const error = caught instanceof DataApiError ? caught : fromPostgresError(caught);
      send(error.status, JSON.stringify({ message: error.message }), { 'x-amzn-errortype': error.errorType });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    engine,
    faults,
    server,
    calls,
    resetCalls: () => {
      for (const name of Object.keys(calls)) delete calls[name];
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await engine.close();
    },
  };
}
