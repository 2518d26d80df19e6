/**
 * Picks a free TCP port on the loopback interface: bind port 0, read the port the kernel chose, close.
 * Another process can take the port before vLLM binds it; the process driver recognises vLLM's
 * "address already in use" failure and starts again on a new port.
 */
import { createServer } from 'node:net';

/**
 * A TCP port that was free on `host` a moment ago.
 * @param host interface to probe. @default '127.0.0.1'
 * @param avoid ports not to return (e.g. one that just failed); retried a few times.
 */
export async function findFreePort(host = '127.0.0.1', avoid: ReadonlySet<number> = new Set()): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await bindZero(host);
    if (!avoid.has(port)) return port;
  }
  throw new Error(`no free port found on ${host}`);
}

function bindZero(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ host, port: 0, exclusive: true }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close((err) => (err ? reject(err) : port > 0 ? resolve(port) : reject(new Error('could not read the bound port'))));
    });
  });
}
