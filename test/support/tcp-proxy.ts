import net from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of PostgreSQL, for real network faults: `cut()` resets every connection and
 * refuses new ones (what clients see while the server is down), `restore()` lets traffic through again, and
 * `resetOnClientText(text)` resets a connection the moment its client sends `text` (e.g. a BEGIN), unsent.
 */
export interface TcpProxy {
  /** The database URL `url` rewritten to go through the proxy. */
  url: string;
  cut(): void;
  restore(): void;
  resetOnClientText(text: string | undefined): void;
  close(): Promise<void>;
}

export async function startTcpProxy(databaseUrl: string): Promise<TcpProxy> {
  const target = new URL(databaseUrl);
  const sockets = new Set<net.Socket>();
  let down = false;
  let trigger: string | undefined;
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  };
  const server = net.createServer((client) => {
    track(client);
    if (down) return void client.resetAndDestroy();
    const upstream = net.connect(Number(target.port), target.hostname);
    track(upstream);
    const resetBoth = () => {
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    };
    client.on('data', (chunk: Buffer) => {
      if (trigger && chunk.includes(trigger)) return resetBoth();
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    cut() {
      down = true;
      for (const socket of sockets) socket.resetAndDestroy();
    },
    restore() {
      down = false;
    },
    resetOnClientText(text) {
      trigger = text;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
