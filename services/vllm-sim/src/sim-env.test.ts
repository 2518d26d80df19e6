import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFaults } from './faults.js';
import { findModel } from './model-table.js';
import { loadSimSettings, resolveSkill } from './sim-env.js';

test('defaults: H100, real time, no faults, no oracle', () => {
  const s = loadSimSettings({});
  assert.equal(s.gpu.name, 'H100-80GB');
  assert.equal(s.timeScale, 1);
  assert.equal(s.oracle, null);
  assert.equal(s.faults.failStart, null);
  assert.equal(s.skill, null);
});

test('bad values name the variable', () => {
  assert.throws(() => loadSimSettings({ VLLM_SIM_TIME_SCALE: '0' }), /VLLM_SIM_TIME_SCALE: expected a positive number, got '0'/);
  assert.throws(() => loadSimSettings({ VLLM_SIM_SKILL: '1.5' }), /VLLM_SIM_SKILL: expected a number in \[0, 1\]/);
  assert.throws(() => loadSimSettings({ VLLM_SIM_SKILL: '{"m": "high"}' }), /VLLM_SIM_SKILL: skill of 'm' must be a number/);
  assert.throws(() => loadSimSettings({ VLLM_SIM_ORACLE: '/nonexistent/oracle.jsonl' }), /VLLM_SIM_ORACLE: cannot read \/nonexistent\/oracle\.jsonl/);
});

test('faults: key=value lists and JSON, with clear errors', () => {
  assert.deepEqual(parseFaults('crash_after_requests=3, error_rate=0.25;slow_start_s=1.5'), {
    crashAfterRequests: 3,
    hangAfterRequests: null,
    errorRate: 0.25,
    slowStartS: 1.5,
    failStart: null,
  });
  assert.equal(parseFaults('{"fail_start": "kv_cache"}').failStart, 'kv_cache');
  assert.equal(parseFaults('hang_after_requests=0').hangAfterRequests, 0);
  assert.throws(() => parseFaults('error_rate=2'), /error_rate must be a number in \[0, 1\]/);
  assert.throws(() => parseFaults('fail_start=disk'), /fail_start must be one of oom, kv_cache, no_cache_memory, invalid_repo, gated/);
  assert.throws(() => parseFaults('crash_after_requests=-1'), /non-negative integer/);
  assert.throws(() => parseFaults('crash'), /expected key=value, got 'crash'/);
});

test('skill: a number, a map by served name or HF id, the table, or a stable hash', () => {
  const llama = findModel('meta-llama/Meta-Llama-3-8B-Instruct')!;
  assert.equal(resolveSkill(0.3, ['x'], llama), 0.3);
  assert.equal(resolveSkill(new Map([['x', 0.1]]), ['x'], llama), 0.1);
  assert.equal(resolveSkill(new Map([[llama.hfId, 0.2]]), ['x'], llama), 0.2);
  assert.equal(resolveSkill(null, ['x'], llama), llama.skill);
  const unknown = { ...llama, hfId: 'acme/new-7b', skill: undefined } as unknown as typeof llama;
  const a = resolveSkill(null, [], unknown);
  assert.equal(a, resolveSkill(null, [], unknown));
  assert.ok(a >= 0.35 && a <= 0.75);
});

test('VLLM_SIM_MODELS adds models (object keyed by HF id) and validates fields', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vllm-sim-'));
  try {
    const file = join(dir, 'models.json');
    writeFileSync(file, JSON.stringify({ 'acme/Clinic-3B': { paramsB: 3.2, layers: 28, hidden: 3072, heads: 24, kvHeads: 8, headDim: 128, contextLength: 16384, template: 'chatml', skill: 0.6 } }));
    const s = loadSimSettings({ VLLM_SIM_MODELS: file });
    const m = findModel('acme/clinic-3b', s.extraModels);
    assert.equal(m?.contextLength, 16384);
    assert.equal(m?.instruct, true);
    writeFileSync(file, JSON.stringify([{ hfId: 'x', paramsB: 1, layers: 2, hidden: 3, heads: 4, kvHeads: 1, headDim: 8, contextLength: 0 }]));
    assert.throws(() => loadSimSettings({ VLLM_SIM_MODELS: file }), /models\.json, entry 1: field 'contextLength' must be a positive number/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
