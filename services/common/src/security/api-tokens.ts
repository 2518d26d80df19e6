/**
 * Bearer tokens of the coordinator's gRPC services. Three roles:
 * - reader: the read-only calls of the public API (GetRun, ListRuns, WatchRun, GetResults, ListWorkers);
 * - operator: everything a reader may, plus SubmitRun, CancelRun, RegisterDataset and RecordGateVerdict;
 * - worker: the WorkerApi only (never the public API).
 * A token belongs to exactly one role: the same token under two roles is a configuration error.
 * Tokens are compared by their SHA-256 (a Map of digests, so no token is kept or compared in the clear).
 */
import { createHash } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export type ApiRole = 'reader' | 'operator' | 'worker';
export const API_ROLES: readonly ApiRole[] = ['reader', 'operator', 'worker'];

/** Shortest token accepted (a generated token has 43 characters). */
export const MIN_TOKEN_LENGTH = 24;

/** Thrown for an unusable token file or directory; names the file and what to do. */
export class TokenConfigError extends Error {
  readonly code = 'TOKEN_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'TokenConfigError';
  }
}

function digest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Tokens of a file: one per line; blank lines and `#` comments are skipped. */
export function parseTokenFile(text: string, where: string): string[] {
  const out: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (/\s/.test(line)) throw new TokenConfigError(`${where} line ${i + 1}: a token must not contain spaces`);
    if (line.length < MIN_TOKEN_LENGTH) {
      throw new TokenConfigError(`${where} line ${i + 1}: a token must have at least ${MIN_TOKEN_LENGTH} characters (generate one with: openssl rand -base64 32)`);
    }
    out.push(line);
  });
  return out;
}

/** Which role a token has. */
export class TokenTable {
  private roles = new Map<string, ApiRole>();

  /** @throws TokenConfigError when one token is given to two roles. */
  constructor(tokens: Readonly<Partial<Record<ApiRole, readonly string[]>>>) {
    for (const role of API_ROLES) {
      for (const t of tokens[role] ?? []) {
        const d = digest(t);
        const other = this.roles.get(d);
        if (other !== undefined && other !== role) {
          throw new TokenConfigError(`the same token is given to the ${other} and ${role} roles: each role needs its own token`);
        }
        this.roles.set(d, role);
      }
    }
  }

  /** The role of `token`, or undefined for an unknown token. */
  roleOf(token: string): ApiRole | undefined {
    return this.roles.get(digest(token));
  }

  /** Takes the tokens of `other` (a reload of the token files). */
  replaceWith(other: TokenTable): void {
    this.roles = new Map(other.roles);
  }

  /** How many tokens each role has (for the start-up log; never the tokens). */
  counts(): Record<ApiRole, number> {
    const c: Record<ApiRole, number> = { reader: 0, operator: 0, worker: 0 };
    for (const r of this.roles.values()) c[r]++;
    return c;
  }
}

/**
 * Reads `dir/reader`, `dir/operator` and `dir/worker` (a Kubernetes Secret mounted as a directory).
 * A missing file gives its role no tokens; the operator and worker files must exist.
 * @throws TokenConfigError naming the file.
 */
export function loadTokenDir(dir: string): TokenTable {
  if (!existsSync(dir)) throw new TokenConfigError(`--tokens-dir ${dir} does not exist (it holds the files reader, operator and worker, one token per line)`);
  const tokens: Partial<Record<ApiRole, string[]>> = {};
  for (const role of API_ROLES) {
    const file = join(dir, role);
    if (!existsSync(file)) {
      if (role === 'reader') continue;
      throw new TokenConfigError(`--tokens-dir: ${file} is missing (one ${role} token per line)`);
    }
    const list = parseTokenFile(readFileSync(file, 'utf8'), file);
    if (list.length === 0 && role !== 'reader') throw new TokenConfigError(`--tokens-dir: ${file} holds no token`);
    tokens[role] = list;
  }
  return new TokenTable(tokens);
}

/** Reads a client's token: the first token of `file`. @throws TokenConfigError naming the file. */
export function readTokenFile(file: string, flag = '--token-file'): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TokenConfigError(`${flag} ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const [first] = parseTokenFile(text, `${flag} ${file}`);
  if (first === undefined) throw new TokenConfigError(`${flag} ${file} holds no token`);
  return first;
}

/** Options of {@link watchTokenDir}. */
export interface TokenWatchOptions {
  /** How often the files are read again. */
  readonly intervalMs: number;
  /** After a reload that changed the tokens (counts per role; never the tokens). */
  readonly onReload?: (counts: Record<ApiRole, number>) => void;
  /** A reload failed: the previous tokens stay in force. */
  readonly onError?: (message: string) => void;
}

/**
 * Reads `dir` again every `intervalMs` and, when its files changed, puts their tokens into `table`,
 * so that a token can be added or revoked without a restart (a mounted Secret is updated in place by
 * the kubelet). An unreadable or invalid change is reported and ignored. Returns the stop function.
 */
export function watchTokenDir(dir: string, table: TokenTable, o: TokenWatchOptions): () => void {
  const signature = (): string => {
    const h = createHash('sha256');
    for (const role of API_ROLES) {
      const file = join(dir, role);
      h.update(`${role}\0${existsSync(file) ? readFileSync(file, 'utf8') : '<none>'}\0`);
    }
    return h.digest('hex');
  };
  let last: string;
  try {
    last = signature();
  } catch {
    last = '';
  }
  const timer = setInterval(() => {
    try {
      const now = signature();
      if (now === last) return;
      last = now;
      table.replaceWith(loadTokenDir(dir));
      o.onReload?.(table.counts());
    } catch (e) {
      o.onError?.(e instanceof Error ? e.message : String(e));
    }
  }, o.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
