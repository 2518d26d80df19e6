/**
 * The prompt builders against an independent Python reference that follows CLUE's eval scripts step
 * by step with Python's own json, csv, random and str.format, on datasets with awkward content.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTaskPrompts } from './prompts.js';
import { getShortTask } from './registry.js';
import { DatasetError } from '../errors.js';
import { runPython, sharedDatasetsDir } from '../test-support.js';

const dir = mkdtempSync(join(tmpdir(), 'clue-prompts-'));

/** Python reference: CLUE's loading, shuffling and chat construction, written out in plain Python. */
const REFERENCE = String.raw`
import csv, json, random, sys
task, path, sys_prompt, user_t, asst_t, ref_key, shots = json.loads(sys.stdin.read())
if task == 'mednli':
    with open(path) as f:
        data = [json.loads(line) for line in f]
elif task == 'problemsummary':
    with open(path, newline='') as f:
        rows = csv.reader(f)
        headers = next(rows)
        data = [dict(zip(headers, r)) for r in rows]
    for d in data:
        d['Summary'] = d['Summary'].replace(';', ', ')
else:
    with open(path) as f:
        data = json.load(f)
random.seed(1)
random.shuffle(data)
if task == 'medisumcode':
    data = [{'text': e['text'], 'codes': ', '.join(c['code'] for c in e['icd_codes'])} for e in data]
chat = [{'role': 'system', 'content': sys_prompt}]
for i, ex in enumerate(data[:shots]):
    u, a = user_t.format(**ex), asst_t.format(**ex)
    if i > 0 or (u and a):
        chat += [{'role': 'user', 'content': u}, {'role': 'assistant', 'content': a}]
out = [{'messages': chat + [{'role': 'user', 'content': user_t.format(**ex)}], 'reference': ex[ref_key]} for ex in data[shots:]]
print(json.dumps(out))
`;

function pythonPrompts(taskId: string, path: string): unknown {
  const t = getShortTask(taskId);
  const stdin = JSON.stringify([taskId, path, t.systemPrompt, t.userTemplate, t.assistantTemplate, t.referenceField, t.fewShot]);
  return JSON.parse(runPython(REFERENCE, stdin));
}

function ours(taskId: string, path: string, bytes: Buffer): unknown {
  return buildTaskPrompts(getShortTask(taskId), bytes, path).samples.map((s) => ({ messages: s.messages, reference: s.reference }));
}

function write(name: string, content: string): { path: string; bytes: Buffer } {
  const path = join(dir, name);
  writeFileSync(path, content);
  return { path, bytes: Buffer.from(content) };
}

const awkward = ['plain', 'braces {x} and {{y}}', 'unicode é µg 10°C – “quotes”', 'tab\there', 'new\nline', '', '  spaced  ', 'emoji 😀', 'back\\slash'];

test('MedNLI prompts equal the Python reference (JSONL, odd values, non-string fields)', () => {
  const lines = [];
  for (let i = 0; i < 23; i++) {
    const label = ['entailment', 'neutral', 'contradiction'][i % 3];
    const s2: unknown = i === 7 ? 42 : i === 8 ? 1.5 : i === 9 ? null : i === 10 ? true : `Hypothesis ${i} ${awkward[i % awkward.length]}`;
    lines.push(JSON.stringify({ pairID: `p${i}`, gold_label: label, sentence1: `Premise ${i}: ${awkward[(i + 3) % awkward.length]}`, sentence2: s2 }));
  }
  const { path, bytes } = write('mli_test_v1.jsonl', lines.join('\n') + '\n');
  assert.deepEqual(ours('mednli', path, bytes), pythonPrompts('mednli', path));
});

test('ProblemSummary prompts equal the Python reference (CSV quoting, multi-line, ";" handling)', () => {
  const q = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const rows = [['File ID', 'Subjectives', 'Objectives', 'Assessment', 'Summary']];
  for (let i = 0; i < 17; i++) {
    rows.push([
      `${1000 + i}.txt`,
      `Pt reports pain, "sharp"\r\nsince ${i} days ${awkward[i % awkward.length]}`,
      'BP 120/80',
      `Assessment ${i}\nline two`,
      i % 4 === 0 ? `Dx${i};Dx${i + 1};` : i % 4 === 1 ? `Single dx ${i}` : `A;B ; C${i}`,
    ]);
  }
  const { path, bytes } = write('BioNLP2023-1A-Test.csv', rows.map((r) => r.map(q).join(',')).join('\r\n') + '\r\n');
  assert.deepEqual(ours('problemsummary', path, bytes), pythonPrompts('problemsummary', path));
});

test('MeDiSumQA prompts equal the Python reference (JSON array)', () => {
  const recs = Array.from({ length: 12 }, (_, i) => ({
    note_id: `n${i}`,
    discharge_summary: `Discharge letter ${i}\n${awkward[i % awkward.length]}`,
    Question: `What happened ${i}?`,
    Answer: `Answer ${i} ${awkward[(i + 1) % awkward.length]}`,
  }));
  const { path, bytes } = write('MeDiSumQA.json', JSON.stringify(recs, null, 2));
  assert.deepEqual(ours('medisumqa', path, bytes), pythonPrompts('medisumqa', path));
});

test('MeDiSumCode prompts equal the Python reference (code lists joined, answer prefix)', () => {
  const recs = Array.from({ length: 9 }, (_, i) => ({
    hadm_id: String(20000000 + i),
    text: `Letter ${i} ${awkward[i % awkward.length]}`,
    icd_codes: Array.from({ length: i % 4 }, (_, k) => ({ code: ['E119', 'I10', 'N179', 'E119'][k]!, description: 'd' })),
  }));
  const { path, bytes } = write('MeDiSumCode.json', JSON.stringify(recs));
  const got = ours('medisumcode', path, bytes);
  assert.deepEqual(got, pythonPrompts('medisumcode', path));
  // The few-shot answer carries CLUE's prefix.
  const first = (got as { messages: { role: string; content: string }[] }[])[0]!;
  assert.match(first.messages[2]!.content, /^ICD-10 Codes: /);
});

test('the first few-shot example is dropped when its answer is empty (build_first_turn truthiness)', () => {
  // Empty the Answer of the record that CLUE's shuffle puts first (the order comes from Python).
  const recs = [0, 1, 2, 3].map((i) => ({ discharge_summary: `L${i}`, Question: `Q${i}`, Answer: `A${i}` }));
  const order = JSON.parse(runPython('import random,json\nrandom.seed(1); x=list(range(4)); random.shuffle(x); print(json.dumps(x))')) as number[];
  recs[order[0]!]!.Answer = '';
  const { path, bytes } = write('MeDiSumQA-empty.json', JSON.stringify(recs));
  const got = ours('medisumqa', path, bytes) as { messages: unknown[] }[];
  assert.deepEqual(got, pythonPrompts('medisumqa', path));
  assert.equal(got[0]!.messages.length, 2); // system + user only
});

test('bad records name the file, record and field', () => {
  const { path, bytes } = write('bad.jsonl', '{"sentence1": "a", "sentence2": "b", "gold_label": "neutral"}\n{"sentence1": "a", "gold_label": "x"}\n');
  assert.throws(
    () => buildTaskPrompts(getShortTask('mednli'), bytes, path),
    (e: unknown) => e instanceof DatasetError && e.message.includes('bad.jsonl') && e.message.includes('record 2') && e.message.includes("field 'sentence2'"),
  );
  const empty = write('empty-summary.csv', 'Subjectives,Assessment,Summary\r\na,b,c\r\nd,e,\r\n');
  assert.throws(() => buildTaskPrompts(getShortTask('problemsummary'), empty.bytes, empty.path), /record 2 \(line 3\), field 'Summary': empty Summary/);
  const notArray = write('obj.json', '{\n  "a": 1\n}\n');
  assert.throws(() => buildTaskPrompts(getShortTask('medisumcode'), notArray.bytes, notArray.path), /must be a JSON array of objects or JSONL/);
  const broken = write('broken.json', '[{"text": "x", "icd_codes": [}]');
  assert.throws(() => buildTaskPrompts(getShortTask('medisumcode'), broken.bytes, broken.path), /broken\.json.*invalid JSON/);
  const codes = write('codes.json', '[{"text": "x", "icd_codes": [{"code": 5}]}, {"text": "y", "icd_codes": []}]');
  assert.throws(() => buildTaskPrompts(getShortTask('medisumcode'), codes.bytes, codes.path), /record 1, field 'icd_codes\[0\]\.code': must be a string/);
  const tooFew = write('few.jsonl', '{"sentence1": "a", "sentence2": "b", "gold_label": "neutral"}\n');
  assert.throws(() => buildTaskPrompts(getShortTask('mednli'), tooFew.bytes, tooFew.path), /1 record\(s\)/);
});

test('MeQSum prompts on the real public file equal a Python reference reading the sheet with zipfile + ElementTree', () => {
  const path = join(sharedDatasetsDir(), 'MeQSum_ACL2019_BenAbacha_Demner-Fushman.xlsx');
  // The sheet holds strings only, so pandas' records are the shared strings by column header.
  const py = runPython(
    String.raw`
import json, random, re, sys, zipfile
import xml.etree.ElementTree as ET
sys_prompt, user_t, asst_t, path = json.loads(sys.stdin.read())
ns = {'m': 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'}
z = zipfile.ZipFile(path)
ss = [''.join(t.text or '' for t in si.iter('{%s}t' % ns['m'])) for si in ET.fromstring(z.read('xl/sharedStrings.xml')).findall('m:si', ns)]
rows = []
for row in ET.fromstring(z.read('xl/worksheets/sheet1.xml')).iter('{%s}row' % ns['m']):
    cells = {}
    for c in row.findall('m:c', ns):
        v = c.find('m:v', ns)
        if v is not None and c.get('t') == 's':
            cells[re.match(r'[A-Z]+', c.get('r')).group()] = ss[int(v.text)]
    rows.append(cells)
header = rows[0]
data = [{header[k]: r.get(k) for k in ('A', 'B', 'C')} for r in rows[1:] if r]
random.seed(1); random.shuffle(data)
chat = [{'role': 'system', 'content': sys_prompt}]
for ex in data[:3]:
    chat += [{'role': 'user', 'content': user_t.format(**ex)}, {'role': 'assistant', 'content': asst_t.format(**ex)}]
print(json.dumps([{'messages': chat + [{'role': 'user', 'content': user_t.format(**ex)}], 'reference': ex['Summary']} for ex in data[3:]]))
`,
    JSON.stringify([getShortTask('meqsum').systemPrompt, getShortTask('meqsum').userTemplate, getShortTask('meqsum').assistantTemplate, path]),
  );
  const expected = JSON.parse(py) as unknown[];
  const got = ours('meqsum', path, readFileSync(path));
  assert.equal(expected.length, 997);
  assert.deepEqual(got, expected);
});
