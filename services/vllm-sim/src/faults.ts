/**
 * Fault injection (`VLLM_SIM_FAULTS`): `key=value` pairs separated by commas, semicolons or spaces,
 * or a JSON object with the same keys.
 * - `crash_after_requests=N`: after N finished generation requests the engine dies (in-flight and later
 *   requests get a bare 500, /health 503) and the process exits with code 1 after vLLM's watchdog delay.
 * - `hang_after_requests=N`: after N finished requests the engine stops stepping; requests are accepted
 *   but never answered, /health stays 200, the process stays alive.
 * - `error_rate=P`: each generation request fails with an HTTP 500 (vLLM error shape) with probability P
 *   (deterministic sequence).
 * - `slow_start_s=X`: start-up takes X more wall-clock seconds (not scaled).
 * - `fail_start=oom|kv_cache|no_cache_memory|invalid_repo|gated`: start-up fails with vLLM's log tail and exit code.
 */
import { SimError } from './errors.js';

/** The kinds of start-up failure `fail_start` can force. */
export const FAIL_START_KINDS = ['oom', 'kv_cache', 'no_cache_memory', 'invalid_repo', 'gated'] as const;

/** A start-up failure kind. */
export type FailStartKind = (typeof FAIL_START_KINDS)[number];

/** Parsed fault settings; all off by default. */
export interface FaultSpec {
  readonly crashAfterRequests: number | null;
  readonly hangAfterRequests: number | null;
  /** @default 0 */
  readonly errorRate: number;
  /** @default 0 */
  readonly slowStartS: number;
  readonly failStart: FailStartKind | null;
}

/** No faults. */
export const NO_FAULTS: FaultSpec = { crashAfterRequests: null, hangAfterRequests: null, errorRate: 0, slowStartS: 0, failStart: null };

function bad(reason: string): SimError {
  return new SimError('INVALID_ENV', `VLLM_SIM_FAULTS: ${reason}`);
}

function count(key: string, v: unknown): number {
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  if (!Number.isInteger(n) || n < 0) throw bad(`${key} must be a non-negative integer, got '${String(v)}'`);
  return n;
}

/**
 * Parses a fault specification.
 * @throws SimError `INVALID_ENV` naming the bad key or value.
 */
export function parseFaults(spec: string | undefined): FaultSpec {
  if (spec === undefined || spec.trim() === '') return NO_FAULTS;
  let pairs: Array<[string, unknown]>;
  const text = spec.trim();
  if (text.startsWith('{')) {
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (e) {
      throw bad(`invalid JSON: ${(e as Error).message}`);
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw bad('JSON form must be an object');
    pairs = Object.entries(obj as Record<string, unknown>);
  } else {
    pairs = text
      .split(/[,;\s]+/)
      .filter((p) => p !== '')
      .map((p) => {
        const eq = p.indexOf('=');
        if (eq <= 0) throw bad(`expected key=value, got '${p}'`);
        return [p.slice(0, eq).trim(), p.slice(eq + 1).trim()];
      });
  }
  const out: { -readonly [K in keyof FaultSpec]: FaultSpec[K] } = { ...NO_FAULTS };
  for (const [key, v] of pairs) {
    switch (key) {
      case 'crash_after_requests':
        out.crashAfterRequests = count(key, v);
        break;
      case 'hang_after_requests':
        out.hangAfterRequests = count(key, v);
        break;
      case 'error_rate': {
        const p = Number(v);
        if (!(p >= 0 && p <= 1)) throw bad(`error_rate must be a number in [0, 1], got '${String(v)}'`);
        out.errorRate = p;
        break;
      }
      case 'slow_start_s': {
        const s = Number(v);
        if (!(s >= 0) || !Number.isFinite(s)) throw bad(`slow_start_s must be a non-negative number, got '${String(v)}'`);
        out.slowStartS = s;
        break;
      }
      case 'fail_start': {
        const k = String(v) as FailStartKind;
        if (!FAIL_START_KINDS.includes(k)) throw bad(`fail_start must be one of ${FAIL_START_KINDS.join(', ')}, got '${String(v)}'`);
        out.failStart = k;
        break;
      }
      default:
        throw bad(`unknown key '${key}' (known: crash_after_requests, hang_after_requests, error_rate, slow_start_s, fail_start)`);
    }
  }
  return out;
}
