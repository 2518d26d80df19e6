/**
 * Run specs from flags or a YAML/JSON file, checked here before anything is sent, so every error names
 * the field. The coordinator validates again (it is the authority on models and datasets).
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ClueError, TASK_IDS, parseTaskId, type TaskId } from '@clue/tasks';

/** What `clue submit` sends: datasets still as local paths. */
export interface LocalRunSpec {
  name: string;
  models: string[];
  preset: string;
  tasks: TaskId[];
  data: Partial<Record<TaskId, string>>;
  sampling: { temperature: number; topP: number; maxTokens: number; seed: number };
  maxSamples: number;
  idempotencyKey: string;
  /** False: BERTScore switched off (`bertscore: false`); the table then says so. */
  bertscore: boolean;
}

const KNOWN = new Set(['name', 'models', 'preset', 'tasks', 'data', 'sampling', 'max_samples', 'idempotency_key', 'bertscore']);
const SAMPLING = new Set(['temperature', 'top_p', 'max_tokens', 'seed']);

function bad(field: string, why: string): never {
  throw new ClueError('INVALID_ARGUMENT', `spec.${field}: ${why}`);
}

function strList(v: unknown, field: string): string[] {
  if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean);
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) bad(field, 'must be a list of strings');
  return v as string[];
}

function num(v: unknown, field: string, check: (n: number) => boolean, rule: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) bad(field, `must be ${rule}, got ${JSON.stringify(v)}`);
  return v;
}

/** Defaults: greedy decoding, seed 0, all samples. */
export function defaultSpec(): LocalRunSpec {
  return { name: '', models: [], preset: '', tasks: [...TASK_IDS], data: {}, sampling: { temperature: 0, topP: 1, maxTokens: 0, seed: 0 }, maxSamples: 0, idempotencyKey: '', bertscore: true };
}

/** Parses a spec document (already YAML/JSON-decoded) onto the defaults. */
export function specFromObject(doc: unknown, base: LocalRunSpec = defaultSpec()): LocalRunSpec {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ClueError('INVALID_ARGUMENT', 'spec: must be a mapping of fields');
  const o = doc as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KNOWN.has(k)) bad(k, `unknown field (known: ${[...KNOWN].join(', ')})`);
  const spec: LocalRunSpec = { ...base, sampling: { ...base.sampling }, data: { ...base.data } };
  if (o['name'] !== undefined) spec.name = typeof o['name'] === 'string' ? o['name'] : bad('name', 'must be a string');
  if (o['models'] !== undefined) spec.models = strList(o['models'], 'models');
  if (o['preset'] !== undefined) spec.preset = typeof o['preset'] === 'string' ? o['preset'] : bad('preset', 'must be a string');
  if (o['tasks'] !== undefined) {
    spec.tasks = strList(o['tasks'], 'tasks').map((t, i) => {
      try {
        return parseTaskId(t);
      } catch (e) {
        return bad(`tasks[${i}]`, (e as Error).message);
      }
    });
  }
  if (o['data'] !== undefined) {
    const d = o['data'];
    if (typeof d !== 'object' || d === null || Array.isArray(d)) bad('data', 'must map task ids to dataset files');
    for (const [t, f] of Object.entries(d as Record<string, unknown>)) {
      let id: TaskId;
      try {
        id = parseTaskId(t);
      } catch (e) {
        return bad(`data.${t}`, (e as Error).message);
      }
      if (typeof f !== 'string') bad(`data.${t}`, 'must be a file path');
      spec.data[id] = f;
    }
  }
  if (o['sampling'] !== undefined) {
    const s = o['sampling'];
    if (typeof s !== 'object' || s === null || Array.isArray(s)) bad('sampling', 'must be a mapping');
    const so = s as Record<string, unknown>;
    for (const k of Object.keys(so)) if (!SAMPLING.has(k)) bad(`sampling.${k}`, `unknown field (known: ${[...SAMPLING].join(', ')})`);
    if (so['temperature'] !== undefined) spec.sampling.temperature = num(so['temperature'], 'sampling.temperature', (n) => n >= 0 && n <= 2, 'a number in [0, 2]');
    if (so['top_p'] !== undefined) spec.sampling.topP = num(so['top_p'], 'sampling.top_p', (n) => n > 0 && n <= 1, 'a number in (0, 1]');
    if (so['max_tokens'] !== undefined) spec.sampling.maxTokens = num(so['max_tokens'], 'sampling.max_tokens', (n) => Number.isInteger(n) && n >= 0, 'a whole number >= 0');
    if (so['seed'] !== undefined) spec.sampling.seed = num(so['seed'], 'sampling.seed', (n) => Number.isInteger(n) && n >= 0, 'a whole number >= 0');
  }
  if (o['max_samples'] !== undefined) spec.maxSamples = num(o['max_samples'], 'max_samples', (n) => Number.isInteger(n) && n >= 0, 'a whole number >= 0');
  if (o['idempotency_key'] !== undefined) {
    spec.idempotencyKey = typeof o['idempotency_key'] === 'string' ? o['idempotency_key'] : bad('idempotency_key', 'must be a string');
  }
  if (o['bertscore'] !== undefined) spec.bertscore = typeof o['bertscore'] === 'boolean' ? o['bertscore'] : bad('bertscore', 'must be true or false');
  return spec;
}

/** Reads a YAML or JSON spec file. */
export function readSpecFile(path: string): LocalRunSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ClueError('INVALID_ARGUMENT', `${path}: cannot read spec file: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new ClueError('INVALID_ARGUMENT', `${path}: not valid YAML/JSON: ${(e as Error).message}`);
  }
  try {
    return specFromObject(doc);
  } catch (e) {
    throw new ClueError('INVALID_ARGUMENT', `${path}: ${(e as Error).message}`);
  }
}
