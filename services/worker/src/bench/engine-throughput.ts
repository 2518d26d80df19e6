#!/usr/bin/env node
/**
 * Engine-driver throughput benchmark: one vllm-sim server (H100-80GB profile, an 8B model,
 * `--max-num-seqs 256`), a few thousand CLUE-like chat requests (a problem-summary prompt around a
 * synthetic discharge letter) driven through `VllmEngine.chatBatch`, and the achieved throughput
 * compared with the simulator's theoretical maximum for the same profile and the measured mean
 * prompt/output lengths. Throughputs are in modelled samples per second (wall rate / time scale).
 *
 * The steady-state figure counts completions between the 10th and the 90th percentile completion
 * times, leaving out the ramp-up (all prompts prefilled at once) and the drain (a batch that empties
 * at the end), which no continuous stream of work has; the whole-run figure is printed too.
 *
 * Usage: node services/worker/dist/bench/engine-throughput.js [--requests N] [--time-scale S]
 *   [--max-num-seqs M] [--concurrency C] [--letter-words W] [--max-tokens T]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { getModel, type ChatMessage } from '@clue/tasks';
import { findModel, getGpuProfile, theoreticalMaxThroughput } from '@clue/vllm-sim';
import { VllmEngine } from '../engine/engine.js';
import type { ChatRequest } from '../engine/vllm-client.js';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '6000' },
    'time-scale': { type: 'string', default: '20' },
    'max-num-seqs': { type: 'string', default: '256' },
    concurrency: { type: 'string' },
    'letter-words': { type: 'string', default: '450' },
    'max-tokens': { type: 'string', default: '256' },
    gpu: { type: 'string', default: 'H100-80GB' },
  },
});

const N = Number(args.requests);
const TIME_SCALE = Number(args['time-scale']);
const MAX_NUM_SEQS = Number(args['max-num-seqs']);
const LETTER_WORDS = Number(args['letter-words']);
const MAX_TOKENS = Number(args['max-tokens']);
const GPU = args.gpu;
const MODEL = getModel('llama-3-8b-instruct');

const SYSTEM =
  'You are a highly skilled and detail-oriented assistant, specifically trained to assist medical professionals ' +
  'in interpreting and extracting key information from medical documents.';
const VOCAB = (
  'patient admitted with chest pain shortness of breath fever cough hypertension diabetes mellitus chronic kidney ' +
  'disease atrial fibrillation heart failure pneumonia sepsis treated antibiotics ceftriaxone azithromycin furosemide ' +
  'metoprolol lisinopril insulin glargine creatinine troponin echocardiogram ejection fraction ventricular catheterization ' +
  'stent discharge home follow up cardiology clinic weeks blood pressure oxygen saturation room air improved stable'
).split(' ');

/** A deterministic pseudo-random discharge letter of about `words` words. */
function letter(i: number, words: number): string {
  let x = (i + 1) * 2654435761;
  const out: string[] = [];
  for (let w = 0; w < words; w++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out.push(VOCAB[x % VOCAB.length]!);
    if (w % 14 === 13) out.push('.');
  }
  return out.join(' ');
}

function request(i: number): ChatRequest {
  const messages: ChatMessage[] = [
    { role: 'system', content: SYSTEM },
    {
      role: 'user',
      content:
        'Here is a discharge letter of a patient. Please summarize the diagnoses and problems of the patient.\n' +
        `--------------BEGIN DISCHARGE LETTER--------------\n${letter(i, LETTER_WORDS)}\n--------------END DISCHARGE LETTER--------------`,
    },
  ];
  return { messages, maxTokens: MAX_TOKENS, temperature: 0, topP: 1, seed: i };
}

function* requests(n: number): Generator<ChatRequest> {
  for (let i = 0; i < n; i++) yield request(i);
}

async function main(): Promise<void> {
  const simBin = fileURLToPath(new URL('../../../vllm-sim/dist/main.js', import.meta.url));
  const engine = new VllmEngine({
    inventory: { gpuClass: GPU, count: 1 },
    healthPollMs: 50,
    stopGraceMs: 5000,
    ...(args.concurrency !== undefined ? { concurrency: Number(args.concurrency) } : {}),
    launch: {
      executable: simBin,
      maxNumSeqs: MAX_NUM_SEQS,
      // The theoretical maximum does not model prefix caching; compare like with like.
      extraArgs: ['--no-enable-prefix-caching'],
      env: { VLLM_SIM_GPU: GPU, VLLM_SIM_TIME_SCALE: String(TIME_SCALE) },
    },
  });
  const info = await engine.start(MODEL);
  const completions: number[] = [];
  let promptTokens = 0;
  let outputTokens = 0;
  let failed = 0;
  const serverCpu0 = processCpuSeconds(info.pid);
  const clientCpu0 = process.cpuUsage();
  const t0 = performance.now();
  await engine.chatBatch(requests(N), {
    onResult: (o) => {
      completions.push(performance.now());
      if (o.ok) {
        promptTokens += o.value.promptTokens;
        outputTokens += o.value.completionTokens;
      } else failed++;
    },
  });
  const wallS = (performance.now() - t0) / 1000;
  const serverCpu = processCpuSeconds(info.pid) - serverCpu0;
  const cu = process.cpuUsage(clientCpu0);
  const clientCpu = (cu.user + cu.system) / 1e6;
  await engine.stop();

  const ok = N - failed;
  const meanPrompt = promptTokens / Math.max(1, ok);
  const meanOutput = outputTokens / Math.max(1, ok);
  const sorted = [...completions].sort((a, b) => a - b);
  const lo = Math.floor(N * 0.1);
  const hi = Math.floor(N * 0.9);
  const steadyWallS = (sorted[hi]! - sorted[lo]!) / 1000;
  const steady = (hi - lo) / steadyWallS / TIME_SCALE;
  const whole = ok / wallS / TIME_SCALE;
  const simModel = findModel(MODEL.hfId);
  if (!simModel) throw new Error(`vllm-sim does not know ${MODEL.hfId}`);
  const theory = theoreticalMaxThroughput(getGpuProfile(GPU), simModel, MAX_NUM_SEQS, Math.round(meanPrompt), Math.round(meanOutput), {
    maxModelLen: info.maxModelLen ?? 8192,
  });
  const fmt = (x: number, d = 2) => x.toFixed(d);
  process.stdout.write(
    [
      'engine-throughput benchmark (vllm-sim)',
      `  settings: model=${MODEL.key} gpu=${GPU} tp=${info.tensorParallelSize} max-model-len=${info.maxModelLen} ` +
        `max-num-seqs=${MAX_NUM_SEQS} in-flight=${info.concurrency} time-scale=${TIME_SCALE} requests=${N} max-tokens=${MAX_TOKENS} prefix-caching=off`,
      `  mean prompt tokens: ${fmt(meanPrompt, 1)}, mean output tokens: ${fmt(meanOutput, 1)}, failed: ${failed}`,
      `  wall time: ${fmt(wallS)} s (${fmt(ok / wallS, 1)} requests/s wall); CPU busy: driver ${fmt((100 * clientCpu) / wallS, 0)}%, ` +
        `vllm-sim ${fmt((100 * serverCpu) / wallS, 0)}%`,
      `  achieved (steady state, p10-p90): ${fmt(steady)} samples/s modelled`,
      `  achieved (whole run):             ${fmt(whole)} samples/s modelled`,
      `  theoretical maximum:              ${fmt(theory)} samples/s modelled`,
      `  ratio steady/theoretical: ${fmt(steady / theory, 3)} (target >= 0.97); whole-run ratio: ${fmt(whole / theory, 3)}`,
      '',
    ].join('\n'),
  );
  if (failed > 0) process.exitCode = 1;
}

/** CPU seconds (user + system) a process has used, from /proc (0 where /proc is unavailable). */
function processCpuSeconds(pid: number | null): number {
  if (pid === null) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`engine-throughput: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
