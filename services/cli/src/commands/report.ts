/**
 * `clue report`, `clue diff`, `clue gate`: what a finished run becomes for people (@clue/report).
 *   clue report RUN [--against RUN|last-success] --out FILE.html   the self-contained HTML report
 *   clue diff A B [--format table|json]                             per-cell differences B − A with 95 % paired bootstrap CIs
 *   clue gate RUN --against RUN|last-success [--policy FILE] [--record]  exit 4 when the policy is violated;
 *                                                                   --record stores the verdict on the run
 */
import type { Argv } from 'yargs';
import { readFileSync, writeFileSync } from 'node:fs';
import { ClueError } from '@clue/tasks';
import { diffRuns, evaluateGate, gateSummary, parseGatePolicy, renderDiff, renderGate, renderReportHtml, type GateVerdict, type RunData } from '@clue/report';
import { connectionOptions, withClient } from '../connection.js';
import { loadRunData, resolveAgainst } from '../run-data.js';
import type { CoordinatorClient } from '../grpc-client.js';
import { EXIT_GATE } from '../exit-codes.js';
import { info, writeOut } from '../output.js';

/** Loads `runId` and, when `otherId` is given, that run too, both with their samples. */
async function loadPair(c: CoordinatorClient, runId: string, otherId: string | null): Promise<{ run: RunData; other?: RunData }> {
  if (otherId === null) return { run: await loadRunData(c, runId, { samples: false }) };
  return { run: await loadRunData(c, runId, { samples: true }), other: await loadRunData(c, otherId, { samples: true }) };
}

/** The id `against` names (see resolveAgainst), said out loud when it was looked up. */
async function againstId(c: CoordinatorClient, runId: string, against: string, orNull = false): Promise<string | null> {
  const id = await resolveAgainst(c, runId, against, { orNull });
  if (id !== null && id !== against) info(`comparing with ${id}, the last succeeded run before ${runId}`);
  return id;
}

/** Writes the report of `runId` (against `against`) to `out`; used by `clue up --report` too. */
export async function writeReport(c: CoordinatorClient, runId: string, against: string | undefined, out: string): Promise<void> {
  const { run, other } = await loadPair(c, runId, against ? await againstId(c, runId, against) : null);
  const html = renderReportHtml({ run, ...(other ? { against: other, diff: diffRuns(other, run) } : {}), generatedAt: new Date().toISOString() });
  writeFileSync(out, html);
  info(`report of ${runId}${other ? ` against ${other.runId}` : ''} written to ${out}`);
}

export function registerReport(y: Argv): Argv {
  return y
    .command(
      'report <run>',
      'Write the self-contained HTML report of a run (table, heatmap, cells; with --against the differences and their CIs)',
      (c) =>
        connectionOptions(c)
          .positional('run', { type: 'string', demandOption: true })
          .option('against', { type: 'string', describe: 'a run id, or last-success (the newest succeeded run of the same name before it)' })
          .option('out', { type: 'string', demandOption: true, describe: 'the HTML file to write' }),
      async (argv) => withClient(argv, (c) => writeReport(c, argv.run as string, argv.against, argv.out)),
    )
    .command(
      'diff <a> <b>',
      'Per-cell score differences B − A with 95 % paired bootstrap confidence intervals over the per-sample values',
      (c) =>
        connectionOptions(c)
          .positional('a', { type: 'string', demandOption: true })
          .positional('b', { type: 'string', demandOption: true })
          .option('format', { choices: ['table', 'json'] as const, default: 'table' as const }),
      async (argv) =>
        withClient(argv, async (c) => {
          const a = await loadRunData(c, argv.a as string, { samples: true });
          const b = await loadRunData(c, argv.b as string, { samples: true });
          await writeOut(renderDiff(diffRuns(a, b), argv.format));
        }),
    )
    .command(
      'gate <run>',
      'Check a run against another with a regression policy; exit 4 when it is violated',
      (c) =>
        connectionOptions(c)
          .positional('run', { type: 'string', demandOption: true })
          .option('against', { type: 'string', default: 'last-success', describe: 'a run id, or last-success' })
          .option('policy', { type: 'string', describe: 'YAML/JSON policy file (default: the built-in policy, see docs/report.md)' })
          .option('format', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'json: the verdict as a JSON document' })
          .option('without-baseline', {
            choices: ['fail', 'pass'] as const,
            default: 'fail' as const,
            describe: 'when --against last-success finds no earlier succeeded run (the first night): fail (exit 2) or pass',
          })
          .option('record', {
            type: 'boolean',
            default: false,
            describe: 'store the verdict on the run (clue list, clue_nightly_gate_passed and the ClueGateFailed alert); needs an operator token',
          }),
      async (argv) => {
        const policy = argv.policy ? parseGatePolicy(readPolicy(argv.policy), argv.policy) : parseGatePolicy('{}', 'the default policy');
        const runId = argv.run as string;
        const verdict = await withClient(argv, async (c) => {
          const otherId = await againstId(c, runId, argv.against, argv['without-baseline'] === 'pass');
          const v = otherId === null ? null : await loadPair(c, runId, otherId).then(({ run, other }) => evaluateGate(diffRuns(other!, run), policy));
          if (argv.record) await recordVerdict(c, runId, otherId, v);
          return v;
        });
        if (verdict === null) {
          info(`no succeeded run of the same name before ${argv.run as string}: nothing to compare with, the gate passes (--without-baseline pass)`);
          return;
        }
        await writeOut(argv.format === 'json' ? JSON.stringify(verdict, null, 2) + '\n' : renderGate(verdict));
        if (!verdict.passed) process.exitCode = EXIT_GATE;
      },
    );
}

/** RecordGateVerdict: the verdict (null: no baseline, passed) on one line, stored on the run. */
async function recordVerdict(c: CoordinatorClient, runId: string, against: string | null, v: GateVerdict | null): Promise<void> {
  const verdict = v
    ? { passed: v.passed, againstRunId: against ?? '', violations: v.violations.length, summary: gateSummary(v) }
    : { passed: true, againstRunId: '', violations: 0, summary: 'passed: no earlier succeeded run to compare with (--without-baseline pass)' };
  await c.call('recordGateVerdict', { runId, verdict });
  info(`gate verdict recorded on ${runId} (${verdict.passed ? 'passed' : 'failed'})`);
}

function readPolicy(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new ClueError('INVALID_ARGUMENT', `--policy ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}
