import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { postSigned } from '../../lambdas/domain/webhook-send.js';

/** One attempt on the wire against receivers that misbehave: a body that never ends, a redirect. */

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function listen(handler: http.RequestListener): Promise<URL> {
  const server = http.createServer(handler);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`);
}

const attempt = (url: URL) =>
  postSigned({
    url,
    address: '127.0.0.1',
    family: 4,
    id: 'msg_1',
    timestamp: 1,
    body: '{}',
    secret: `whsec_${Buffer.alloc(32, 1).toString('base64')}`,
    timeoutMs: 60_000,
  });

describe('postSigned against hostile receivers', () => {
  it('a receiver that answers 200 and never ends its body gets its connection closed once the status is read', async () => {
    let closed: Promise<unknown> | undefined;
    const url = await listen((request, response) => {
      closed = once(request.socket, 'close');
      response.writeHead(200, { 'content-type': 'text/plain' });
      // Endless trickle: the sender must not keep reading (or holding the socket) for it.
      response.write('x'.repeat(1024));
    });
    expect(await attempt(url)).toEqual({ status: 200 });
    await closed;
  });

  it('a redirect is not followed: the 3xx is the attempt (retried), the place it points to is never called', async () => {
    let elsewhereCalls = 0;
    const elsewhere = await listen((_request, response) => {
      elsewhereCalls += 1;
      response.end();
    });
    const url = await listen((_request, response) => {
      response.writeHead(307, { location: elsewhere.href }).end();
    });
    expect(await attempt(url)).toEqual({ status: 307 });
    expect(elsewhereCalls).toBe(0);
  });
});
