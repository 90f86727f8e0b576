import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A throwaway HTTP server on 127.0.0.1 for tests; counts requests and open connections. */
export interface Loopback {
  url: string;
  host: string;
  requests: http.IncomingMessage[];
  close(): Promise<void>;
}

/** Handlers may `return res.end()` early; the value is ignored. */
export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => unknown;

export async function serve(handler: Handler): Promise<Loopback> {
  const requests: http.IncomingMessage[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
