import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi } from '../support/api.js';
import { fetchChecked } from '../support/contract.js';

/** Request targets that are not URLs at all, sent on raw sockets: what a client gets, and that the server lives on. */
let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.stop());

/** Sends `head` and resolves with the status line's code and body of the answer (0 when the socket closed bare). */
function raw(head: string): Promise<{ status: number; contentType: string | undefined }> {
  const { port } = new URL(api.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within 10 s; received: ${received.slice(0, 200)}`));
    }, 10_000);
    const finish = () => {
      clearTimeout(timer);
      const [statusLine = '', ...lines] = received.split('\r\n\r\n')[0]?.split('\r\n') ?? [];
      const type = lines.find((line) => /^content-type:/i.test(line));
      resolve({ status: Number(statusLine.split(' ')[1] ?? 0), contentType: type?.slice(13).trim() });
    };
    socket.on('data', (data) => {
      received += data.toString('latin1');
      if (received.includes('\r\n\r\n')) socket.end();
    });
    socket.on('close', finish);
    socket.on('error', () => {});
    socket.write(head);
  });
}

describe('request targets that are not URLs', () => {
  it.each(['//[/jobs', 'http://[', 'http://a:b@x:99999/jobs', 'http://'])(
    '%s gets a problem+json 400, and the server answers the next request',
    async (target) => {
      const answer = await raw(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(answer.status).toBe(400);
      expect(answer.contentType).toBe('application/problem+json');
      const health = await fetchChecked(`${api.url}/health`);
      expect(health.status).toBe(200);
    },
  );
});
