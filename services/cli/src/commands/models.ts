/** `clue models`: print the model catalog (all models, or one preset). */
import type { Argv } from 'yargs';
import { MODELS, presetModels, tpByGpuClass, type ModelSpec } from '@clue/tasks';
import { writeLines } from '../output.js';

interface ModelsArgs {
  preset?: string;
  format: 'table' | 'json';
}

export function registerModels(y: Argv): Argv {
  return y.command(
    'models',
    'Print the model catalog (CLUE v3 and v5 models)',
    (c) =>
      c
        .option('preset', { type: 'string', describe: 'clue-v3 | clue-v5' })
        .option('format', { choices: ['table', 'json'] as const, default: 'table' as const }),
    async (argv) => {
      await runModels(argv as unknown as ModelsArgs);
    },
  );
}

async function runModels(a: ModelsArgs): Promise<void> {
  const models: readonly ModelSpec[] = a.preset ? presetModels(a.preset) : MODELS;
  if (a.format === 'json') {
    await writeLines(models.map((m) => JSON.stringify({ ...m, tensorParallel: tpByGpuClass(m) })));
    return;
  }
  const rows = models.map((m) => {
    const tp = tpByGpuClass(m);
    return [
      m.key,
      m.hfId,
      String(m.paramsB),
      m.kind,
      String(m.contextLength),
      m.chatTemplate === 'none' ? 'needs file' : m.systemRole ? 'yes' : 'no system',
      Object.entries(tp)
        .map(([g, n]) => `${g}:${n ?? '-'}`)
        .join(' '),
    ];
  });
  const header = ['key', 'hugging face id', 'params(B)', 'kind', 'context', 'chat template', 'tensor parallel per GPU class'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  await writeLines([fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)]);
}
