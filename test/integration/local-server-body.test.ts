import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi, type TestUser } from '../support/api.js';

/** The local server's handling of request bodies it will not read: raw sockets, to see exactly what a client gets. */
let api: TestApi;
let user: TestUser;
beforeAll(async () => {
  api = await startApi();
  user = await api.user();
});
afterAll(() => api.stop());

interface RawExchange {
  status: number;
  headers: Record<string, string>;
  /** How the connection ended for the client: 'end' (a clean FIN) or the socket error's code. */
  ending: string;
}

/**
 * Sends `head`, then `bodyBytes` of body (chunked when `chunked`) while reading; stops sending once the answer has
 * arrived, as a client that sees `Connection: close` would. Resolves when the connection ends.
 */
function exchange(head: string, bodyBytes: number, chunked: boolean): Promise<RawExchange> {
  const { port } = new URL(api.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    let answered = false;
    let sent = 0;
    const finish = (ending: string) => {
      const [statusLine = '', ...lines] = received.split('\r\n\r\n')[0]?.split('\r\n') ?? [];
      const headers = Object.fromEntries(
        lines.map((line) => [
          line.slice(0, line.indexOf(':')).toLowerCase(),
          line.slice(line.indexOf(':') + 1).trim(),
        ]),
      );
      resolve({ status: Number(statusLine.split(' ')[1] ?? 0), headers, ending });
    };
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within 10 s; received: ${received.slice(0, 200)}`));
    }, 10_000);
    socket.on('data', (data) => {
      received += data.toString('latin1');
      if (received.includes('\r\n\r\n')) answered = true;
    });
    socket.on('end', () => {
      clearTimeout(timer);
      finish('end');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      finish(error.code ?? error.message);
    });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const pump = () => {
      while (!answered && sent < bodyBytes) {
        const piece = chunk.subarray(0, Math.min(chunk.length, bodyBytes - sent));
        sent += piece.length;
        const framed = chunked
          ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')])
          : piece;
        if (!socket.write(framed)) return void socket.once('drain', pump);
      }
      if (chunked && !answered) socket.write('0\r\n\r\n');
    };
    socket.write(head, () => pump());
  });
}

const MiB = 1024 * 1024;

describe('bodies the local server refuses', () => {
  it('401 comes from the headers alone: a client that declared 5 MiB and sent none still gets it', async () => {
    const result = await exchange(
      `POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${5 * MiB}\r\n\r\n`,
      0,
      false,
    );
    expect(result.status).toBe(401);
    expect(result.headers.connection).toBe('close');
    expect(result.ending).toBe('end');
  });

  it('413 for a declared length over 10 MiB, without waiting for the body', async () => {
    const result = await exchange(
      `POST /jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${user.token}\r\nContent-Type: application/json\r\nContent-Length: ${11 * MiB}\r\n\r\n`,
      0,
      false,
    );
    expect(result.status).toBe(413);
    expect(result.headers.connection).toBe('close');
  });

  it('413 for a chunked body that grows past 10 MiB: Connection: close and a clean end, not a reset', async () => {
    const result = await exchange(
      `POST /jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${user.token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
      12 * MiB,
      true,
    );
    expect(result.status).toBe(413);
    expect(result.headers['content-type']).toBe('application/problem+json');
    expect(result.headers.connection).toBe('close');
    expect(result.ending).toBe('end');
  });

  it('a token-less request with a small body gets 401 and the connection closes cleanly', async () => {
    const body = '{"job_type":"echo","payload":{"prompt":"x"}}';
    const result = await exchange(
      `POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      0,
      false,
    );
    expect(result.status).toBe(401);
    expect(result.ending).toBe('end');
  });
});
