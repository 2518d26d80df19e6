/**
 * The HTTP layer under the vLLM client: one keep-alive connection pool per server, sized for the
 * batch (a connection per in-flight request plus a few for control calls), a per-request timeout and
 * caller cancellation through AbortSignal. Network failures are reported as `TransportError` with a
 * kind, so the client can decide what to retry. Uses `node:http` because Node's global fetch cannot
 * size its connection pool without the undici package.
 */
import { Agent, request as httpRequest } from 'node:http';

/** One HTTP exchange. */
export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  /** Path and query, starting with `/`. */
  readonly path: string;
  /** JSON text of the body, for POST. */
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Abort the exchange (the caller's cancellation, an engine crash). */
  readonly signal?: AbortSignal;
  /** Per-request time limit in ms (connect to last byte). */
  readonly timeoutMs: number;
}

/** A complete response. */
export interface HttpResponse {
  readonly status: number;
  readonly body: string;
}

/** How an exchange failed without a response. */
export type TransportErrorKind = 'connect' | 'reset' | 'timeout' | 'aborted' | 'other';

/** A failure below HTTP (no status code). */
export class TransportError extends Error {
  readonly kind: TransportErrorKind;
  constructor(kind: TransportErrorKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TransportError';
    this.kind = kind;
  }
}

/** What the client needs from HTTP; tests wrap it to observe requests. */
export interface HttpTransport {
  send(req: HttpRequest): Promise<HttpResponse>;
  /** Closes idle connections and refuses further use. */
  close(): void;
}

/** Options of `createHttpTransport`. */
export interface HttpTransportOptions {
  /** Most concurrent connections. @default 64 */
  readonly maxSockets?: number;
  /** Largest response body accepted, in bytes. @default 64 MiB */
  readonly maxBodyBytes?: number;
}

/** A keep-alive transport to `baseUrl` (`http://127.0.0.1:PORT`). */
export function createHttpTransport(baseUrl: string, options: HttpTransportOptions = {}): HttpTransport {
  const url = new URL(baseUrl);
  if (url.protocol !== 'http:') throw new Error(`only http:// servers are supported, got ${baseUrl}`);
  const maxSockets = Math.max(1, options.maxSockets ?? 64);
  const agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, keepAliveMsecs: 10_000 });
  const maxBody = options.maxBodyBytes ?? 64 * 2 ** 20;
  let closed = false;

  return {
    send(req: HttpRequest): Promise<HttpResponse> {
      if (closed) return Promise.reject(new TransportError('aborted', 'transport is closed'));
      return exchange(agent, url, req, maxBody);
    },
    close(): void {
      closed = true;
      agent.destroy();
    },
  };
}

function exchange(agent: Agent, url: URL, req: HttpRequest, maxBody: number): Promise<HttpResponse> {
  return new Promise<HttpResponse>((resolve, reject) => {
    if (req.signal?.aborted) {
      reject(new TransportError('aborted', 'request aborted before it was sent', { cause: req.signal.reason }));
      return;
    }
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const headers: Record<string, string> = { accept: 'application/json', ...(req.headers ?? {}) };
    const body = req.body === undefined ? undefined : Buffer.from(req.body, 'utf8');
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(body.length);
    }
    const r = httpRequest({
      agent,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port,
      method: req.method,
      path: req.path,
      headers,
    });
    const timer = setTimeout(() => {
      finish(() => reject(new TransportError('timeout', `${req.method} ${req.path} timed out after ${req.timeoutMs} ms`)));
      r.destroy();
    }, req.timeoutMs);
    const onAbort = (): void => {
      finish(() => reject(new TransportError('aborted', `${req.method} ${req.path} aborted`, { cause: req.signal?.reason })));
      r.destroy();
    };
    req.signal?.addEventListener('abort', onAbort, { once: true });
    r.on('error', (e: NodeJS.ErrnoException) => finish(() => reject(toTransportError(e, req))));
    r.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBody) {
          finish(() => reject(new TransportError('other', `${req.method} ${req.path}: response larger than ${maxBody} bytes`)));
          r.destroy();
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => finish(() => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') })));
      res.on('error', (e: NodeJS.ErrnoException) => finish(() => reject(toTransportError(e, req))));
      res.on('aborted', () => finish(() => reject(new TransportError('reset', `${req.method} ${req.path}: connection closed mid-response`))));
    });
    r.end(body);
  });
}

function toTransportError(e: NodeJS.ErrnoException, req: HttpRequest): TransportError {
  const what = `${req.method} ${req.path}: ${e.code ?? e.message}`;
  switch (e.code) {
    case 'ECONNREFUSED':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return new TransportError('connect', what, { cause: e });
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
      return new TransportError('reset', what, { cause: e });
    case 'ETIMEDOUT':
      return new TransportError('timeout', what, { cause: e });
    default:
      return e.message === 'socket hang up' ? new TransportError('reset', what, { cause: e }) : new TransportError('other', what, { cause: e });
  }
}
