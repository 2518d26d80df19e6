/**
 * Routes of the OpenAI-compatible server, vLLM's API-key middleware (only `/v1`, `/v2`, `/inference`,
 * `/cohere` paths; OPTIONS never checked; 401 `{"error": "Unauthorized"}`), FastAPI's 404/405 bodies
 * and uvicorn's access log.
 */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { ServerContext } from '../context.js';
import { pythonExposition } from '../metrics-format.js';
import { modelsBody } from '../openai-shapes.js';
import { LOG, METHOD_NOT_ALLOWED_BODY, NOT_FOUND_BODY, UNAUTHORIZED_BODY, UNSUPPORTED_API_MESSAGE, UVICORN, VLLM_VERSION } from '../vllm-compat.js';
import { handleChat } from './chat.js';
import { handleCompletions } from './completions.js';
import { handleEmbeddings, handlePooling } from './pooling.js';
import { HttpError, errorBody, sendEmpty, sendJson } from './respond.js';
import { handleDetokenize, handleTokenize } from './tokenize.js';
import { parseJsonBody } from './validation.js';

type Handler = (ctx: ServerContext, req: IncomingMessage, res: ServerResponse, body: unknown) => Promise<void> | void;

/**
 * An API the runner has no handler for: vLLM returns the ErrorResponse object from the route, so
 * FastAPI sends it with status 200 (api_server.py, 0.11.0).
 */
function onlyFor(runner: 'generate' | 'pooling', api: keyof typeof UNSUPPORTED_API_MESSAGE, handler: Handler): Handler {
  return (ctx, req, res, body) => {
    if (ctx.setup.runner !== runner) {
      sendJson(res, 200, errorBody(UNSUPPORTED_API_MESSAGE[api]));
      return;
    }
    return handler(ctx, req, res, body);
  };
}

const health: Handler = (ctx, _req, res) => sendEmpty(res, ctx.faults.state === 'dead' ? 503 : 200);

/** Route table: path → method → handler. POST handlers get the parsed JSON body. */
const ROUTES: Readonly<Record<string, Readonly<Record<string, Handler>>>> = {
  '/health': { GET: health },
  '/ping': { GET: health, POST: health },
  '/load': { GET: (_c, _q, res) => sendJson(res, 200, { server_load: 0 }) },
  '/version': { GET: (_c, _q, res) => sendJson(res, 200, { version: VLLM_VERSION }) },
  '/v1/models': {
    GET: (ctx, _q, res) =>
      sendJson(res, 200, modelsBody(ctx.servedNames, ctx.args.model, ctx.setup.maxModelLen, Math.floor(Date.now() / 1000), () => randomUUID().replaceAll('-', ''))),
  },
  '/metrics': {
    GET: async (ctx, _q, res) => {
      const text = await pythonExposition(ctx.metrics.registry, ctx.metrics.createdAt);
      res.writeHead(200, { 'content-type': ctx.metrics.registry.contentType, 'content-length': Buffer.byteLength(text) });
      res.end(text);
    },
  },
  '/tokenize': { POST: (ctx, _q, res, body) => handleTokenize(ctx, res, body) },
  '/detokenize': { POST: (ctx, _q, res, body) => handleDetokenize(ctx, res, body) },
  '/v1/chat/completions': { POST: onlyFor('generate', 'chat', handleChat) },
  '/v1/completions': { POST: onlyFor('generate', 'completions', handleCompletions) },
  '/v1/embeddings': { POST: onlyFor('pooling', 'embeddings', handleEmbeddings) },
  '/pooling': { POST: onlyFor('pooling', 'pooling', handlePooling) },
};

function authorized(ctx: ServerContext, req: IncomingMessage, path: string): boolean {
  if (ctx.apiKeys.length === 0 || req.method === 'OPTIONS') return true;
  if (!/^\/(v1|v2|inference|cohere)(\/|$)/.test(path)) return true;
  const m = /^(\S+)\s+(.*)$/.exec(req.headers.authorization ?? '');
  return m !== null && m[1]!.toLowerCase() === 'bearer' && ctx.apiKeys.includes(m[2]!);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('client closed the connection before sending the whole body'));
    });
  });
}

function accessLog(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): void {
  if (ctx.args.disableAccessLog) return;
  res.on('finish', () => {
    const addr = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    ctx.log.uvicorn(UVICORN.access(`${addr}:${req.socket.remotePort ?? 0}`, req.method ?? 'GET', req.url ?? '/', req.httpVersion, res.statusCode, STATUS_CODES[res.statusCode] ?? ''));
  });
}

/** Handles one request once the server is ready. Never throws. */
export async function route(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  accessLog(ctx, req, res);
  res.setHeader('server', 'uvicorn');
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  try {
    if (!authorized(ctx, req, path)) {
      sendJson(res, 401, UNAUTHORIZED_BODY);
      return;
    }
    const methods = ROUTES[path];
    if (!methods) {
      sendJson(res, 404, NOT_FOUND_BODY);
      return;
    }
    const handler = methods[req.method ?? 'GET'];
    if (!handler) {
      sendJson(res, 405, METHOD_NOT_ALLOWED_BODY);
      return;
    }
    const body = req.method === 'POST' ? parseJsonBody(await readBody(req)) : undefined;
    await handler(ctx, req, res, body);
  } catch (e) {
    if (res.headersSent) {
      res.end();
      return;
    }
    if (e instanceof HttpError) {
      if (e.body === undefined) sendEmpty(res, e.status);
      else sendJson(res, e.status, e.body);
      return;
    }
    const message = e instanceof Error ? e.message : String(e);
    ctx.log.error(LOG.requestException(message));
    sendJson(res, 500, errorBody(message, 'InternalServerError', 500));
  }
}
