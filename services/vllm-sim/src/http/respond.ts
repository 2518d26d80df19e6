/**
 * Writing responses the way vLLM's FastAPI/uvicorn stack does: JSON bodies, vLLM's error shape,
 * bare 500s, and server-sent events.
 */
import type { ServerResponse } from 'node:http';

/** vLLM's error body: `{"error": {message, type, param, code}}`. */
export interface ErrorBody {
  readonly error: { readonly message: string; readonly type: string; readonly param: string | null; readonly code: number };
}

/** An error to answer with (thrown inside handlers, rendered by the router). */
export class HttpError extends Error {
  readonly status: number;
  /** Body to send; undefined sends an empty body. */
  readonly body: unknown;
  constructor(status: number, body: unknown, message?: string) {
    super(message ?? `HTTP ${status}`);
    this.name = 'HttpError';
    this.status = status;
    this.body = body;
  }
}

/** vLLM's `create_error_response`. */
export function errorBody(message: string, type = 'BadRequestError', code = 400, param: string | null = null): ErrorBody {
  return { error: { message, type, param, code } };
}

/** A 400 BadRequestError. */
export function badRequest(message: string, param: string | null = null): HttpError {
  return new HttpError(400, errorBody(message, 'BadRequestError', 400, param), message);
}

/** Sends a JSON body. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Sends a response without a body (/health, bare 500s). */
export function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status, { 'content-length': 0 });
  res.end();
}

/** Starts an SSE stream. */
export function startSse(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  res.flushHeaders();
}

/** Writes one SSE event `data: <json>\n\n`. */
export function sseData(res: ServerResponse, body: unknown): void {
  if (!res.writableEnded && !res.destroyed) res.write(`data: ${JSON.stringify(body)}\n\n`);
}

/** Ends an SSE stream with `data: [DONE]`. */
export function sseDone(res: ServerResponse): void {
  if (!res.writableEnded && !res.destroyed) res.end('data: [DONE]\n\n');
}
