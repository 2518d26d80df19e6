/**
 * Client of one vLLM OpenAI-compatible server: `/v1/models`, `/tokenize`, `/detokenize`,
 * `/v1/chat/completions`, `/pooling` (per-token embeddings of an encoder served with
 * `--runner pooling`), `/health`, `/metrics`.
 *
 * Chat requests ALWAYS carry explicit `temperature`, `top_p`, `max_tokens` and `seed`: vLLM fills
 * missing sampling values from the model's generation_config (and a missing max_tokens runs to the
 * context end), so nothing is left to server defaults.
 *
 * Error policy (vLLM's error JSON `{"error": {message, type, param, code}}`, also the older flat shape):
 * - 400 and other 4xx → `REQUEST_REJECTED`, never retried, carrying vLLM's message (`contextOverflow`
 *   set for "maximum context length" errors); 501 likewise;
 * - 401 / 403 / 404 → `CONFIG_ERROR` (wrong API key, served model name or route);
 * - 5xx, 408, 429, connection errors and timeouts → retried with exponential backoff and jitter,
 *   then `REQUEST_FAILED`;
 * - an aborted signal → its reason when that is an `EngineError` (e.g. CRASHED), else `ABORTED`.
 */
import type { ChatMessage } from '@clue/tasks';
import { EngineError, abortError } from './errors.js';
import { TransportError, createHttpTransport, type HttpResponse, type HttpTransport } from './http-transport.js';
import { SILENT_LOGGER, type EngineLogger } from './logger.js';
import { DEFAULT_RETRY_POLICY, backoffDelayMs, sleep, type RetryPolicy } from './retry.js';

/** One chat completion request. Every sampling value is required. */
export interface ChatRequest {
  readonly messages: readonly ChatMessage[];
  /** `max_tokens`: a positive integer. */
  readonly maxTokens: number;
  /** ≥ 0 (0 = greedy). */
  readonly temperature: number;
  /** In (0, 1]. */
  readonly topP: number;
  /** Per-request sampling seed (an integer). */
  readonly seed: number;
}

/** The parsed answer. */
export interface ChatResult {
  /** The assistant message text (`''` when vLLM returned null content). */
  readonly content: string;
  /** `stop`, `length`, ... as vLLM reported it. */
  readonly finishReason: string;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** HTTP attempts it took (1 = no retry). */
  readonly attempts: number;
  /** Wall-clock time of the successful attempt, in ms. */
  readonly latencyMs: number;
}

/** One entry of `/v1/models`. */
export interface ModelCard {
  readonly id: string;
  readonly root: string | null;
  /** null for LoRA adapters. */
  readonly maxModelLen: number | null;
}

/** `/tokenize` output. */
export interface TokenizeResult {
  readonly count: number;
  readonly maxModelLen: number;
  readonly tokens: readonly number[];
}

/** Per-token embeddings of one input of `/pooling` (task `token_embed`). */
export interface TokenEmbeddingsResult {
  /** Row-major, tokens × dim, float32 as vLLM sends them. */
  readonly vectors: Float32Array;
  readonly tokens: number;
  readonly dim: number;
}

/** `/pooling` output. */
export interface PoolingResult {
  readonly data: readonly TokenEmbeddingsResult[];
  readonly promptTokens: number;
}

/** `/tokenize` input: raw text, or a chat rendered with the server's template (plus the generation prompt). */
export type TokenizeInput = { readonly prompt: string } | { readonly messages: readonly ChatMessage[] };

/** `/health` outcome: 200, another status (503 = engine dead), or no answer. */
export type HealthStatus = 'ok' | 'unhealthy' | 'unreachable';

/** Per-call options. */
export interface CallOptions {
  readonly signal?: AbortSignal;
}

/** Options of a `VllmClient`. */
export interface VllmClientOptions {
  /** `http://127.0.0.1:PORT`; ignored when `transport` is given. */
  readonly baseUrl?: string;
  /** A ready transport (tests wrap one to count requests). */
  readonly transport?: HttpTransport;
  /** The `model` field of every request (vLLM's `--served-model-name`). */
  readonly servedModelName: string;
  readonly apiKey?: string | null;
  readonly retry?: Partial<RetryPolicy>;
  /** Time limit of one chat attempt, in ms. @default 600000 */
  readonly chatTimeoutMs?: number;
  /** Time limit of one tokenize/models/metrics attempt, in ms. @default 30000 */
  readonly controlTimeoutMs?: number;
  /** Connection pool size when the client builds its own transport. @default 64 */
  readonly maxSockets?: number;
  readonly logger?: EngineLogger;
  /** Told about every transient failure (5xx, connection error), e.g. to check whether the engine died. */
  readonly onTransientFailure?: (info: { readonly status: number | null; readonly kind: string }) => void;
  /** Random source for jitter (tests). */
  readonly random?: () => number;
}

type Attempt = { readonly ok: true; readonly res: HttpResponse } | { readonly ok: false; readonly transient: true; readonly error: Error; readonly status: number | null };

/** A client of one vLLM server. */
export class VllmClient {
  private readonly transport: HttpTransport;
  private readonly ownsTransport: boolean;
  private readonly model: string;
  private readonly headers: Readonly<Record<string, string>>;
  private readonly policy: RetryPolicy;
  private readonly chatTimeoutMs: number;
  private readonly controlTimeoutMs: number;
  private readonly log: EngineLogger;
  private readonly onTransient: VllmClientOptions['onTransientFailure'];
  private readonly random: () => number;

  constructor(options: VllmClientOptions) {
    if (options.transport) {
      this.transport = options.transport;
      this.ownsTransport = false;
    } else {
      if (options.baseUrl === undefined) throw new EngineError('INVALID_CONFIG', 'VllmClient needs a baseUrl or a transport');
      this.transport = createHttpTransport(options.baseUrl, options.maxSockets === undefined ? {} : { maxSockets: options.maxSockets });
      this.ownsTransport = true;
    }
    this.model = options.servedModelName;
    this.headers = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
    this.policy = { ...DEFAULT_RETRY_POLICY, ...(options.retry ?? {}) };
    this.chatTimeoutMs = options.chatTimeoutMs ?? 600_000;
    this.controlTimeoutMs = options.controlTimeoutMs ?? 30_000;
    this.log = options.logger ?? SILENT_LOGGER;
    this.onTransient = options.onTransientFailure;
    this.random = options.random ?? Math.random;
  }

  /** Closes the connection pool (when the client created it). */
  close(): void {
    if (this.ownsTransport) this.transport.close();
  }

  /** `GET /health` once, without retries. */
  async health(timeoutMs = 2000, signal?: AbortSignal): Promise<HealthStatus> {
    try {
      const res = await this.transport.send({ method: 'GET', path: '/health', headers: this.headers, timeoutMs, ...(signal ? { signal } : {}) });
      return res.status === 200 ? 'ok' : 'unhealthy';
    } catch (e) {
      if (signal?.aborted) throw abortError(signal, 'health check');
      if (e instanceof TransportError) return 'unreachable';
      throw e;
    }
  }

  /** The served models (`GET /v1/models`). */
  async models(opts: CallOptions = {}): Promise<ModelCard[]> {
    const body = await this.call('GET', '/v1/models', undefined, this.controlTimeoutMs, opts.signal);
    const data = (body as { data?: unknown }).data;
    if (!Array.isArray(data)) throw malformed('/v1/models', 'no data array');
    return data.map((c: unknown) => {
      const o = (c ?? {}) as Record<string, unknown>;
      if (typeof o['id'] !== 'string') throw malformed('/v1/models', 'a model card has no id');
      return {
        id: o['id'],
        root: typeof o['root'] === 'string' ? o['root'] : null,
        maxModelLen: typeof o['max_model_len'] === 'number' ? o['max_model_len'] : null,
      };
    });
  }

  /** Token ids of a text or a chat (`POST /tokenize`). */
  async tokenize(input: TokenizeInput, addSpecialTokens: boolean, opts: CallOptions = {}): Promise<TokenizeResult> {
    const req =
      'prompt' in input
        ? { model: this.model, prompt: input.prompt, add_special_tokens: addSpecialTokens }
        : { model: this.model, messages: input.messages.map(plainMessage), add_special_tokens: addSpecialTokens, add_generation_prompt: true };
    const body = (await this.call('POST', '/tokenize', req, this.controlTimeoutMs, opts.signal)) as Record<string, unknown>;
    const tokens = body['tokens'];
    if (!Array.isArray(tokens) || !tokens.every((t) => Number.isInteger(t))) throw malformed('/tokenize', 'tokens is not a list of integers');
    return {
      count: typeof body['count'] === 'number' ? body['count'] : tokens.length,
      maxModelLen: typeof body['max_model_len'] === 'number' ? body['max_model_len'] : 0,
      tokens: tokens as number[],
    };
  }

  /**
   * Per-token hidden states of token-id inputs (`POST /pooling`, task `token_embed`, base64 float32:
   * a tenth of the bytes of JSON floats, and exact).
   * @throws EngineError REQUEST_REJECTED (e.g. an input longer than max_model_len), REQUEST_FAILED.
   */
  async pool(inputs: readonly (readonly number[])[], opts: CallOptions = {}): Promise<PoolingResult> {
    const req = { model: this.model, input: inputs, task: 'token_embed', encoding_format: 'base64' };
    const body = (await this.call('POST', '/pooling', req, this.chatTimeoutMs, opts.signal)) as Record<string, unknown>;
    const data = body['data'];
    if (!Array.isArray(data) || data.length !== inputs.length) throw malformed('/pooling', `expected ${inputs.length} results`);
    const out = new Array<TokenEmbeddingsResult>(inputs.length);
    for (const item of data as unknown[]) {
      const o = (item ?? {}) as Record<string, unknown>;
      const index = o['index'];
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= inputs.length || out[index]) throw malformed('/pooling', 'bad or repeated index');
      out[index] = decodeTokenEmbeddings(o['data'], inputs[index]!.length);
    }
    const usage = body['usage'] as Record<string, unknown> | undefined;
    const promptTokens = typeof usage?.['prompt_tokens'] === 'number' ? usage['prompt_tokens'] : inputs.reduce((a, x) => a + x.length, 0);
    return { data: out, promptTokens };
  }

  /** The text of token ids (`POST /detokenize`). */
  async detokenize(tokens: readonly number[], opts: CallOptions = {}): Promise<string> {
    const body = (await this.call('POST', '/detokenize', { model: this.model, tokens }, this.controlTimeoutMs, opts.signal)) as Record<string, unknown>;
    if (typeof body['prompt'] !== 'string') throw malformed('/detokenize', 'no prompt string');
    return body['prompt'];
  }

  /** The Prometheus text of `GET /metrics`. */
  async metricsText(opts: CallOptions = {}): Promise<string> {
    const res = await this.transport.send({
      method: 'GET',
      path: '/metrics',
      headers: this.headers,
      timeoutMs: this.controlTimeoutMs,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    if (res.status !== 200) throw new EngineError('REQUEST_FAILED', `GET /metrics answered ${res.status}`, { status: res.status });
    return res.body;
  }

  /**
   * One chat completion with explicit sampling values.
   * @throws EngineError REQUEST_REJECTED (invalid values, or vLLM's 4xx), CONFIG_ERROR, REQUEST_FAILED, or the abort reason.
   */
  async chat(req: ChatRequest, opts: CallOptions = {}): Promise<ChatResult> {
    validateSampling(req);
    const payload = {
      model: this.model,
      messages: req.messages.map(plainMessage),
      max_tokens: req.maxTokens,
      temperature: req.temperature,
      top_p: req.topP,
      seed: req.seed,
      n: 1,
      stream: false,
    };
    let attempts = 0;
    let started = 0;
    const body = await this.call('POST', '/v1/chat/completions', payload, this.chatTimeoutMs, opts.signal, (n) => {
      attempts = n;
      started = performance.now();
    });
    const latencyMs = performance.now() - started;
    const o = body as Record<string, unknown>;
    const choice = Array.isArray(o['choices']) ? (o['choices'][0] as Record<string, unknown> | undefined) : undefined;
    const message = choice?.['message'] as Record<string, unknown> | undefined;
    const usage = o['usage'] as Record<string, unknown> | undefined;
    if (!choice || !message || !usage) throw malformed('/v1/chat/completions', 'no choices[0].message or usage');
    const content = message['content'];
    return {
      content: typeof content === 'string' ? content : '',
      finishReason: typeof choice['finish_reason'] === 'string' ? choice['finish_reason'] : 'unknown',
      promptTokens: typeof usage['prompt_tokens'] === 'number' ? usage['prompt_tokens'] : 0,
      completionTokens: typeof usage['completion_tokens'] === 'number' ? usage['completion_tokens'] : 0,
      attempts,
      latencyMs,
    };
  }

  /** Sends with retries; returns the parsed JSON of a 2xx answer. */
  private async call(
    method: 'GET' | 'POST',
    path: string,
    payload: unknown,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    onAttempt?: (n: number) => void,
  ): Promise<unknown> {
    const text = payload === undefined ? undefined : JSON.stringify(payload);
    let last: Extract<Attempt, { ok: false }> | null = null;
    for (let attempt = 1; attempt <= this.policy.attempts; attempt++) {
      if (attempt > 1) await sleep(backoffDelayMs(this.policy, attempt - 2, this.random), signal);
      if (signal?.aborted) throw abortError(signal);
      onAttempt?.(attempt);
      const r = await this.attempt(method, path, text, timeoutMs, signal);
      if (r.ok) {
        try {
          return JSON.parse(r.res.body) as unknown;
        } catch {
          throw malformed(path, 'the body is not JSON');
        }
      }
      last = r;
      this.log.debug?.({ path, attempt, status: r.status, error: r.error.message }, 'vLLM request failed; retrying');
      this.onTransient?.({ status: r.status, kind: r.error instanceof TransportError ? r.error.kind : 'http' });
    }
    const status = last?.status ?? null;
    throw new EngineError(
      'REQUEST_FAILED',
      `${method} ${path} failed after ${this.policy.attempts} attempts: ${last?.error.message ?? 'unknown error'}`,
      { attempts: this.policy.attempts, ...(status !== null ? { status } : {}) },
      { cause: last?.error },
    );
  }

  /** One attempt: a 2xx response, a transient failure, or a thrown permanent error. */
  private async attempt(method: 'GET' | 'POST', path: string, body: string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<Attempt> {
    let res: HttpResponse;
    try {
      res = await this.transport.send({
        method,
        path,
        headers: this.headers,
        timeoutMs,
        ...(body !== undefined ? { body } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (e) {
      if (signal?.aborted) throw abortError(signal);
      if (e instanceof TransportError) return { ok: false, transient: true, error: e, status: null };
      throw e;
    }
    if (res.status >= 200 && res.status < 300) return { ok: true, res };
    const err = parseErrorBody(res.body);
    const text = `${method} ${path} answered ${res.status}${err.message ? `: ${err.message}` : ''}`;
    if (res.status === 401 || res.status === 403 || res.status === 404) {
      throw new EngineError('CONFIG_ERROR', text, { status: res.status, serverMessage: err.message, param: err.param });
    }
    if (res.status >= 500 && res.status !== 501) return { ok: false, transient: true, error: new Error(text), status: res.status };
    if (res.status === 408 || res.status === 429) return { ok: false, transient: true, error: new Error(text), status: res.status };
    throw new EngineError('REQUEST_REJECTED', text, {
      status: res.status,
      serverMessage: err.message,
      param: err.param,
      contextOverflow: /context length|maximum context/i.test(err.message),
    });
  }
}

function plainMessage(m: ChatMessage): { role: string; content: string } {
  return { role: m.role, content: m.content };
}

/** vLLM's error bodies: `{"error": {...}}`, the flat `{"object": "error", ...}`, `{"error": "Unauthorized"}`, `{"detail": ...}`. */
export function parseErrorBody(body: string): { message: string; param: string | null } {
  let o: unknown;
  try {
    o = JSON.parse(body);
  } catch {
    return { message: sanitize(body.trim().slice(0, 500)), param: null };
  }
  if (o === null || typeof o !== 'object') return { message: String(o), param: null };
  const rec = o as Record<string, unknown>;
  const inner = rec['error'];
  const src = inner !== null && typeof inner === 'object' ? (inner as Record<string, unknown>) : rec;
  const msg = typeof src['message'] === 'string' ? src['message'] : typeof inner === 'string' ? inner : typeof rec['detail'] === 'string' ? rec['detail'] : '';
  const param = typeof src['param'] === 'string' ? src['param'] : null;
  return { message: sanitize(msg), param };
}

/** Longest server message kept. */
const MAX_MESSAGE = 1000;

/**
 * Server messages end up in errors and logs, so drop what could echo the request: pydantic's
 * `input_value=...` (vLLM's 400 "validation error" texts quote the offending input), then cap the length.
 */
function sanitize(message: string): string {
  const cut = message
    .replace(/input_value=[\s\S]*?, input_type=/g, 'input_value=<redacted>, input_type=')
    .replace(/input_value=(?!<redacted>).*$/gm, 'input_value=<redacted>');
  return cut.length > MAX_MESSAGE ? `${cut.slice(0, MAX_MESSAGE)}…` : cut;
}

/** One `/pooling` result: a base64 float32 string (or nested float lists) of `tokens` rows. */
function decodeTokenEmbeddings(data: unknown, tokens: number): TokenEmbeddingsResult {
  let vectors: Float32Array;
  if (typeof data === 'string') {
    const bytes = Buffer.from(data, 'base64');
    if (bytes.length % 4 !== 0) throw malformed('/pooling', 'base64 data is not float32');
    vectors = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  } else if (Array.isArray(data) && data.every((row) => Array.isArray(row))) {
    vectors = Float32Array.from((data as number[][]).flat());
  } else throw malformed('/pooling', 'data is neither base64 nor a list of token vectors');
  if (tokens <= 0 || vectors.length % tokens !== 0) throw malformed('/pooling', `${vectors.length} floats do not split into ${tokens} token vectors`);
  return { vectors, tokens, dim: vectors.length / tokens };
}

function malformed(path: string, why: string): EngineError {
  return new EngineError('REQUEST_FAILED', `${path}: unexpected response from vLLM (${why})`);
}

function validateSampling(r: ChatRequest): void {
  const bad = (what: string): EngineError => new EngineError('REQUEST_REJECTED', `invalid chat request: ${what}`);
  if (!Array.isArray(r.messages) || r.messages.length === 0) throw bad('messages must be a non-empty list');
  if (!Number.isInteger(r.maxTokens) || r.maxTokens < 1) throw bad(`maxTokens must be a positive integer, got ${r.maxTokens}`);
  if (!(Number.isFinite(r.temperature) && r.temperature >= 0)) throw bad(`temperature must be a number >= 0, got ${r.temperature}`);
  if (!(Number.isFinite(r.topP) && r.topP > 0 && r.topP <= 1)) throw bad(`topP must be in (0, 1], got ${r.topP}`);
  if (!Number.isSafeInteger(r.seed)) throw bad(`seed must be an integer, got ${r.seed}`);
}
