/**
 * The report pages over HTTPS (`--report-port`), for people with a browser: `GET /` lists recent runs,
 * `GET /runs/<id>/report[?against=<id>|last-success]` is the run's self-contained report. TLS with the
 * gRPC server's certificate; a reader or operator token is required, as `Authorization: Bearer <token>`
 * or as the password of HTTP Basic authentication (so a browser asks for it; the user name is ignored).
 * The pages load nothing from anywhere (Content-Security-Policy `default-src 'none'`).
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import type { ApiRole, TokenTable } from '@clue/common';
import type { CoordinatorContext } from './context.js';
import { CoordinatorError, toGrpcStatus } from './errors.js';
import { renderIndexPage, renderRunReport } from './report-page.js';

/** Options of {@link startReportServer}. */
export interface ReportServerOptions {
  readonly host: string;
  readonly port: number;
  readonly tls: { readonly certFile: string; readonly keyFile: string };
  readonly tokens: TokenTable;
  readonly ctx: CoordinatorContext;
  /** A refused request (no token, unknown token, wrong role); never carries the token. */
  readonly onDenied?: (d: { path: string; reason: string; role?: ApiRole }) => void;
}

const READ_ROLES: readonly ApiRole[] = ['reader', 'operator'];
const HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
};

/** The bearer token of a request (Bearer, or Basic's password), or null. */
export function requestToken(header: string | undefined): string | null {
  if (!header) return null;
  const bearer = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (bearer) return bearer[1]!;
  const basic = /^Basic\s+(\S+)$/i.exec(header.trim());
  if (!basic) return null;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 ? decoded.slice(colon + 1) : null;
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8', extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...HEADERS, 'content-type': type, ...extra });
  res.end(body);
}

const HTTP_STATUS: Record<number, number> = { 3: 400, 5: 404, 9: 409, 13: 500, 14: 503 };

async function handle(o: ReportServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://report.invalid');
  if (req.method !== 'GET') return send(res, 405, 'only GET\n', undefined, { allow: 'GET' });
  const token = requestToken(req.headers.authorization);
  const role = token === null ? undefined : o.tokens.roleOf(token);
  if (role === undefined) {
    o.onDenied?.({ path: url.pathname, reason: token === null ? 'no_token' : 'unknown_token' });
    return send(res, 401, 'a reader or operator token is needed: send it as a Bearer token, or as the password when the browser asks\n', undefined, {
      'www-authenticate': 'Basic realm="CLUE reports", charset="UTF-8"',
    });
  }
  if (!READ_ROLES.includes(role)) {
    o.onDenied?.({ path: url.pathname, reason: 'wrong_role', role });
    return send(res, 403, `a ${role} token cannot read reports: it needs a reader or an operator token\n`);
  }
  if (url.pathname === '/') return send(res, 200, await renderIndexPage(o.ctx), 'text/html; charset=utf-8');
  const m = /^\/runs\/([A-Za-z0-9_-]{1,64})\/report$/.exec(url.pathname);
  if (!m) return send(res, 404, 'not found: try / or /runs/<run id>/report\n');
  const against = url.searchParams.get('against');
  send(res, 200, await renderRunReport(o.ctx, m[1]!, against && against !== '' ? against : null), 'text/html; charset=utf-8');
}

/** Starts the HTTPS server; resolves with it and the bound port. */
export async function startReportServer(o: ReportServerOptions): Promise<{ server: Server; port: number }> {
  const server = createServer({ cert: readFileSync(o.tls.certFile), key: readFileSync(o.tls.keyFile) }, (req, res) => {
    handle(o, req, res).catch((e: unknown) => {
      const s = toGrpcStatus(e);
      if (s.code === 13) o.ctx.logger.error({ err: e instanceof Error ? e.stack : String(e), path: req.url }, 'report failed');
      if (!res.headersSent) send(res, e instanceof CoordinatorError ? (HTTP_STATUS[s.code] ?? 500) : 500, `${s.details}\n`);
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const addr = server.address();
  return { server, port: typeof addr === 'object' && addr ? addr.port : o.port };
}
