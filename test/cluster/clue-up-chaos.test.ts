/**
 * Issue 14's acceptance, as a user would do it: `clue up` on a small matrix, and from outside (as from
 * another shell) kill -9 a worker twice, the coordinator twice and nats-server once, at moments and in
 * an order drawn from a seed. `clue up`'s own supervisor restarts each; the command must still print
 * exactly the table of an undisturbed run with the same seed, exit 0, and leave no process of its
 * cluster and no temporary directory behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MEMBER_ENV } from '@clue/cli';
import { repoRoot } from '../support/repo.js';
import { sleep } from '../support/cluster.js';

const CLI = join(repoRoot(), 'services', 'cli', 'dist', 'main.js');
const ARGS = ['up', '--workers', '2', '--gpus-per-worker', '2', '--models', 'llama-3-8b-instruct,mistral-7b-instruct-v0-2', '--tasks', 'mednli,meqsum', '--samples', '16', '--time-scale', '1', '--seed', '7', '--no-bertscore'];
const SEED = Number(process.env['CLUE_CHAOS_SEED'] ?? 20261204);

/** mulberry32: a small seeded generator, so a failing schedule can be replayed with CLUE_CHAOS_SEED. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Component = 'worker' | 'coordinator' | 'nats-server';

/** The running children of `clue up` (pid) of one kind, found as a shell user would: by command line. */
function children(pid: number, kind: Component): number[] {
  const r = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).map(Number).filter((c) => {
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${c}/cmdline`, 'latin1').split('\0').join(' ');
    } catch {
      return false;
    }
    if (kind === 'nats-server') return /(^|\/)nats-server /.test(cmd);
    return cmd.includes(join(kind, 'dist', 'main.js'));
  });
}

/** Processes whose environment marks them as members of the local cluster of `clue up` process `pid`. */
function leftovers(pid: number): number[] {
  const mark = `${MEMBER_ENV}=clue-up-${pid}-`;
  return readdirSync('/proc').filter((e) => /^\d+$/.test(e)).filter((e) => {
    try {
      return readFileSync(`/proc/${e}/environ`, 'latin1').split('\0').some((kv) => kv.startsWith(mark));
    } catch {
      return false;
    }
  }).map(Number);
}

interface Up {
  readonly pid: number;
  readonly stderr: () => string;
  readonly done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function clueUp(tmp: string): Up {
  const p = spawn(process.execPath, [CLI, ...ARGS], { env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => p.once('close', (code) => resolve({ code, stdout: out, stderr: err })));
  return { pid: p.pid!, stderr: () => err, done };
}

async function until<T>(what: string, f: () => T | undefined, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

test('clue up: kill -9 of a worker twice, the coordinator twice and nats-server once from outside; same table, exit 0, nothing left behind', { timeout: 900000 }, async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'clue-up-chaos-'));
  try {
    const quiet = await clueUp(tmp).done;
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.match(quiet.stdout, /llama-3-8b-instruct/);
    assert.deepEqual(readdirSync(tmp), [], 'an undisturbed clue up leaves no temporary directory');

    const random = rng(SEED);
    const kills: Component[] = ['worker', 'worker', 'coordinator', 'coordinator', 'nats-server'];
    for (let i = kills.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [kills[i], kills[j]] = [kills[j]!, kills[i]!];
    }
    const up = clueUp(tmp);
    await until('the run to be submitted', () => (/run r[0-9a-f]{12}: /.test(up.stderr()) ? true : undefined), 120000);
    const killed: string[] = [];
    for (const kind of kills) {
      await sleep(500 + Math.floor(random() * 2500));
      // The component's current process (after an earlier kill: its restarted successor).
      const pids = await until(`a running ${kind}`, () => {
        const c = children(up.pid, kind);
        return c.length > 0 ? c : undefined;
      }, 60000);
      const pid = pids[Math.floor(random() * pids.length)]!;
      process.kill(pid, 'SIGKILL');
      killed.push(`${kind}:${pid}`);
      const restarts = killed.length;
      await until(`the supervisor to restart ${kind} (${killed.join(' ')})`, () => ((up.stderr().match(/^supervisor: .* restart \d+ in /gm) ?? []).length >= restarts ? true : undefined), 60000);
    }
    const loud = await up.done;
    assert.equal(loud.code, 0, loud.stderr);
    assert.equal((loud.stderr.match(/^supervisor: .* restart \d+ in /gm) ?? []).length, 5, loud.stderr);
    assert.match(loud.stderr, /^restarted: /m);
    assert.equal(loud.stdout, quiet.stdout, `the disturbed table differs (seed ${SEED}, kills ${killed.join(' ')})`);
    // Nothing of its cluster survives it: no process carries its marker, and TMPDIR is empty again.
    assert.deepEqual(leftovers(up.pid), [], 'processes of the cluster outlived clue up');
    assert.deepEqual(readdirSync(tmp), [], 'a disturbed clue up leaves no temporary directory');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('clue up: Ctrl-C while the cluster starts and while the run goes on stops everything, exits 130 and removes its temporary state', { timeout: 300000 }, async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'clue-up-sigint-'));
  try {
    for (const moment of [/^starting nats-server/m, /^run r[0-9a-f]{12}: /m]) {
      const up = clueUp(tmp);
      await until(`'${moment.source}' on stderr`, () => (moment.test(up.stderr()) ? true : undefined), 120000);
      process.kill(up.pid, 'SIGINT');
      const r = await up.done;
      assert.equal(r.code, 130, r.stderr);
      assert.match(r.stderr, /stopping the local cluster/);
      assert.match(r.stderr, /clue: interrupted/);
      assert.equal(r.stdout, '', 'no table for an interrupted run');
      assert.deepEqual(leftovers(up.pid), [], `processes outlived clue up interrupted at ${moment.source}`);
      assert.deepEqual(readdirSync(tmp), [], `clue up interrupted at ${moment.source} left temporary state`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
