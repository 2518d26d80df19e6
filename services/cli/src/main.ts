#!/usr/bin/env node
/** The `clue` command: wires the subcommands and maps errors to exit codes. */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ClueError } from '@clue/tasks';
import { ReportError } from '@clue/report';
import { registerPrompts } from './commands/prompts.js';
import { registerScore } from './commands/score.js';
import { registerModels } from './commands/models.js';
import { registerGenData } from './commands/gen-data.js';
import { registerIcd10 } from './commands/icd10.js';
import { registerSubmit } from './commands/submit.js';
import { registerWatch } from './commands/watch.js';
import { registerRuns } from './commands/runs.js';
import { registerUp } from './commands/up.js';
import { registerPlan } from './commands/plan.js';
import { registerSecrets } from './commands/secrets.js';
import { registerSamples } from './commands/samples.js';
import { registerReport } from './commands/report.js';
import { RpcError } from './grpc-client.js';
import { EXIT_AUTH, EXIT_CONFLICT, EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE } from './exit-codes.js';
import { LocalClusterError } from './local-cluster-error.js';

/** `--input -` means stdin; yargs would take a lone "-" for a positional, so bind it to its flag. */
function bindDashValues(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('--') && !a.includes('=') && args[i + 1] === '-') {
      out.push(`${a}=-`);
      i++;
    } else out.push(a);
  }
  return out;
}

async function main(): Promise<void> {
  let y = yargs(bindDashValues(hideBin(process.argv)))
    .scriptName('clue')
    .usage('$0 <command> [options]')
    .strict()
    .demandCommand(1, 'name a command (see --help)')
    .recommendCommands()
    .fail((msg, err) => {
      // A coerce check (e.g. `clue up --gpu`) reaches here wrapped in a YError: a usage error too.
      if (err && err.name !== 'YError') throw err;
      process.stderr.write(`clue: ${msg ?? err?.message}\nRun 'clue --help' for usage.\n`);
      process.exit(EXIT_USAGE);
    });
  for (const register of [registerPrompts, registerScore, registerModels, registerGenData, registerIcd10, registerSubmit, registerWatch, registerRuns, registerUp, registerPlan, registerSecrets, registerSamples, registerReport]) {
    y = register(y);
  }
  await y.help().parseAsync();
}

main().catch((e: unknown) => {
  if (e instanceof RpcError) {
    process.stderr.write(`clue: ${e.message}\n`);
    process.exit(e.authError ? EXIT_AUTH : e.conflict ? EXIT_CONFLICT : e.userError ? EXIT_USAGE : EXIT_FAILURE);
  }
  if (e instanceof LocalClusterError) {
    process.stderr.write(`clue: ${e.message}\n`);
    process.exit(e.code === 'INTERRUPTED' ? EXIT_INTERRUPTED : EXIT_FAILURE);
  }
  if (e instanceof ClueError || e instanceof ReportError) {
    process.stderr.write(`clue: ${e.message}\n`);
    process.exit(EXIT_USAGE);
  }
  process.stderr.write(`clue: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(EXIT_FAILURE);
});
