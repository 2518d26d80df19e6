/**
 * The README's first command and what it promises: every workspace bin is a committed, executable file
 * (npm links bins before the build, so a bin in dist/ would be missing), `npx <bin> --help` works from the
 * repository root, and scripts/setup.sh is silent and changes nothing when everything is already set up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support/repo.js';

const root = repoRoot();
const workspaces = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;

function bins(): { name: string; file: string }[] {
  const out: { name: string; file: string }[] = [];
  for (const w of workspaces) {
    const pkg = JSON.parse(readFileSync(join(root, w, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
    for (const [name, file] of Object.entries(pkg.bin ?? {})) out.push({ name, file: join(root, w, file) });
  }
  return out;
}

test('every workspace bin is a file in git, executable, outside dist/', () => {
  const all = bins();
  assert.deepEqual(all.map((b) => b.name).sort(), ['clue', 'clue-coordinator', 'clue-worker', 'vllm-sim']);
  const tracked = new Set(spawnSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).stdout.split('\n'));
  for (const b of all) {
    const rel = b.file.slice(root.length + 1);
    assert.ok(!rel.includes('/dist/'), `${b.name}: ${rel} is build output, which npm cannot link at install time`);
    assert.ok(tracked.has(rel), `${b.name}: ${rel} is not committed`);
    assert.ok((statSync(b.file).mode & 0o111) !== 0, `${b.name}: ${rel} is not executable`);
  }
});

test('npx <bin> --help works from the repository root for every bin', () => {
  for (const b of bins()) {
    const r = spawnSync('npx', ['--no-install', b.name, '--help'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, `${b.name}: ${r.stderr}`);
    assert.match(r.stdout, /usage|Usage|Options|Commands/, `${b.name} printed no help`);
  }
});

test('scripts/setup.sh is silent and idempotent when everything is in place', (t) => {
  const stamp = join(root, 'node_modules', '.clue-setup-lock.sha256');
  const lock = createHash('sha256').update(readFileSync(join(root, 'package-lock.json'))).digest('hex');
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8').trim() !== lock) {
    // Without the stamp the script would run npm ci and replace node_modules under the running tests.
    t.skip('node_modules was not installed by scripts/setup.sh from this package-lock.json');
    return;
  }
  const r = spawnSync('bash', [join(root, 'scripts', 'setup.sh')], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout + r.stderr, '', 'setup.sh printed something although nothing was missing');
});

test('scripts/setup.sh refuses an unknown argument with exit 2, naming it', () => {
  const r = spawnSync('bash', [join(root, 'scripts', 'setup.sh'), '--bogus'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown argument '--bogus'/);
});
