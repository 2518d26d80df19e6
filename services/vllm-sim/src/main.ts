#!/usr/bin/env node
/**
 * `vllm-sim`: a stand-in for `vllm serve` (same command line, same HTTP API). Wiring only: parse the
 * command line and VLLM_SIM_* settings, start the server, install signal handlers.
 */
import { parseCli } from './cli-args.js';
import { SimError, UsageError } from './errors.js';
import { VllmLogger } from './log.js';
import { loadSimSettings, settingsForServer } from './sim-env.js';
import { SimServer } from './sim-server.js';
import { EXIT_USAGE, SERVE_USAGE, VLLM_VERSION } from './vllm-compat.js';

async function main(): Promise<void> {
  let cmd;
  try {
    cmd = parseCli(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${SERVE_USAGE}\nvllm serve: error: ${e.message}\n`);
      process.exit(EXIT_USAGE);
    }
    throw e;
  }
  if (cmd.kind === 'version') {
    process.stdout.write(`${VLLM_VERSION}\n`);
    return;
  }
  if (cmd.kind === 'help') {
    process.stdout.write(cmd.text);
    return;
  }
  let sim;
  try {
    sim = loadSimSettings(process.env);
  } catch (e) {
    if (e instanceof SimError) {
      process.stderr.write(`vllm-sim: ${e.message}\n`);
      process.exit(EXIT_USAGE);
    }
    throw e;
  }
  sim = settingsForServer(sim, cmd.args.model, cmd.args.servedModelNames ?? [cmd.args.model]);
  const server = new SimServer(cmd.args, sim, new VllmLogger(process.pid), { exit: (code) => process.exit(code) });
  process.on('SIGTERM', () => server.stop());
  process.on('SIGINT', () => server.stop());
  await server.start();
}

main().catch((e: unknown) => {
  process.stderr.write(`vllm-sim: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
