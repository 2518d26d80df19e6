import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ClueError } from '../errors.js';
import { runPython, sharedDatasetsDir } from '../test-support.js';
import type { TaskId } from '../types.js';
import {
  SYNTH_FEW_SHOT,
  SYNTH_FILE_NAMES,
  generateDatasets,
  generateInMemory,
  type DatasetFiles,
} from './generate.js';

const SAMPLES = 40;
let dir = '';
let files: DatasetFiles;
const bytes = {} as Record<TaskId, Buffer>;
const text = (t: TaskId): string => bytes[t].toString('utf8');

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clue-synth-'));
  files = await generateDatasets({ outDir: join(dir, 'a'), samples: SAMPLES, seed: 7 });
  for (const t of Object.keys(SYNTH_FILE_NAMES) as TaskId[]) bytes[t] = await readFile(files[t]);
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const wordCount = (s: string): number => s.split(/\s+/).filter((w) => w !== '').length;
const isAscii = (s: string): boolean => [...s].every((c) => c.charCodeAt(0) < 128);
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

test('writes the six files under CLUE file names and returns their paths', () => {
  for (const t of Object.keys(SYNTH_FILE_NAMES) as TaskId[]) {
    assert.equal(files[t], join(dir, 'a', SYNTH_FILE_NAMES[t]));
    assert.ok(bytes[t].length > 0, t);
  }
});

test('MedNLI: JSONL of samples+3 records with the eight fields, ASCII-escaped like json.dumps', () => {
  const body = text('mednli');
  assert.ok(body.endsWith('\n') && !body.includes('\r'));
  assert.ok(isAscii(body), 'ensure_ascii output is pure ASCII');
  const lines = body.slice(0, -1).split('\n');
  assert.equal(lines.length, SAMPLES + 3);
  const recs = lines.map((l) => JSON.parse(l) as Record<string, string>);
  const keys = ['sentence1', 'pairID', 'sentence1_parse', 'sentence1_binary_parse', 'sentence2', 'sentence2_parse', 'sentence2_binary_parse', 'gold_label'];
  for (const r of recs) {
    assert.deepEqual(Object.keys(r), keys);
    assert.ok(['entailment', 'neutral', 'contradiction'].includes(r['gold_label']!));
    assert.match(r['sentence1_parse']!, /^\(ROOT \(S .*\)\)$/);
  }
  assert.equal(new Set(recs.map((r) => r['gold_label'])).size, 3);
  const all = recs.map((r) => r['sentence1']).join(' ');
  for (const ch of ['°', 'µ', 'é']) assert.ok(all.includes(ch), `a premise contains ${ch}`);
});

const PY_READ_XLSX = String.raw`
import base64, io, json, re, sys, zipfile
import xml.etree.ElementTree as ET
NS = '{http://schemas.openxmlformats.org/spreadsheetml/2006/main}'
RNS = '{http://schemas.openxmlformats.org/officeDocument/2006/relationships}'
z = zipfile.ZipFile(io.BytesIO(base64.b64decode(sys.stdin.read())))
wb = ET.fromstring(z.read('xl/workbook.xml'))
sheets = wb.find(NS + 'sheets')
names = [s.get('name') for s in sheets]
rid = sheets[0].get(RNS + 'id')
rels = ET.fromstring(z.read('xl/_rels/workbook.xml.rels'))
target = [r.get('Target') for r in rels if r.get('Id') == rid][0]
path = target.lstrip('/') if target.startswith('/') else 'xl/' + target
shared = []
if 'xl/sharedStrings.xml' in z.namelist():
    for si in ET.fromstring(z.read('xl/sharedStrings.xml')):
        shared.append(''.join(t.text or '' for t in si.iter(NS + 't')))
rows = []
for row in ET.fromstring(z.read(path)).iter(NS + 'row'):
    cells = {}
    for c in row.iter(NS + 'c'):
        col = re.match(r'[A-Z]+', c.get('r')).group(0)
        t = c.get('t')
        if t == 's': v = shared[int(c.find(NS + 'v').text)]
        elif t == 'inlineStr': v = ''.join(x.text or '' for x in c.iter(NS + 't'))
        else: v = c.find(NS + 'v').text
        cells[col] = v
    rows.append([cells.get(k) for k in sorted(cells, key=lambda k: (len(k), k))])
print(json.dumps({'sheets': names, 'rows': rows}))
`;

test('MeQSum: Python zipfile + ElementTree read sheet QS with the header and every row', () => {
  const out = JSON.parse(runPython(PY_READ_XLSX, bytes.meqsum.toString('base64'))) as { sheets: string[]; rows: string[][] };
  assert.deepEqual(out.sheets, ['QS']);
  assert.deepEqual(out.rows[0], ['File', 'CHQ', 'Summary']);
  const expected = generateInMemory({ samples: SAMPLES, seed: 7 }).meqsum.map((r) => [r.File, r.CHQ, r.Summary]);
  assert.equal(out.rows.length - 1, SAMPLES + 3);
  assert.deepEqual(out.rows.slice(1), expected);
  const summaries = expected.map((r) => r[2]!);
  assert.ok(summaries.some((s) => s !== s.trim()), 'some Summary has leading or trailing spaces');
  assert.ok(expected.some((r) => r[1]!.split('\n').length > 2), 'some CHQ has a multi-line message');
  assert.ok(expected.some((r) => /[\u{10000}-\u{10ffff}]/u.test(r[1]!)), 'some CHQ has an astral character');
  assert.ok(expected.every((r) => r[1]!.includes('MESSAGE: ')));
});

test('ProblemSummary: python csv.reader reads back exactly the generated rows', () => {
  assert.ok(text('problemsummary').endsWith('\r\n'));
  const rows = JSON.parse(
    runPython(
      `import csv, io, json, sys
print(json.dumps(list(csv.reader(io.StringIO(sys.stdin.buffer.read().decode('utf-8'), newline='')))))`,
      text('problemsummary'),
    ),
  ) as string[][];
  const recs = generateInMemory({ samples: SAMPLES, seed: 7 }).problemsummary;
  assert.deepEqual(rows[0], ['File ID', 'Subjectives', 'Objectives', 'Assessment', 'Summary']);
  assert.deepEqual(rows.slice(1), recs.map((r) => [r['File ID'], r.Subjectives, r.Objectives, r.Assessment, r.Summary]));
  const cells = rows.slice(1).flat();
  assert.ok(cells.some((c) => c.includes('\r\n')), 'a field keeps an embedded CRLF');
  assert.ok(cells.some((c) => c.includes('"')) && cells.some((c) => c.includes(',')));
  assert.ok(cells.some((c) => c.includes('°C')) && cells.some((c) => c.includes('µg')));
  const summaries = rows.slice(1).map((r) => r[4]!);
  assert.ok(summaries.every((s) => s.length > 0), 'CLUE crashes on an empty Summary');
  assert.ok(summaries.some((s) => s.endsWith(';')) && summaries.some((s) => !s.endsWith(';') && s.includes(';')));
});

test('MeDiSumQA: JSON array of samples+1 {note_id, discharge_summary, Question, Answer}', () => {
  const recs = JSON.parse(text('medisumqa')) as Record<string, string>[];
  assert.equal(recs.length, SAMPLES + 1);
  for (const r of recs) {
    assert.deepEqual(Object.keys(r), ['note_id', 'discharge_summary', 'Question', 'Answer']);
    assert.match(r['discharge_summary']!, /Chief Complaint:\n[\s\S]*History of Present Illness:[\s\S]*Brief Hospital Course:[\s\S]*Discharge Diagnosis:/);
    assert.ok(wordCount(r['discharge_summary']!) > 250);
  }
  assert.ok(text('medisumqa').includes('°C'), 'non-ASCII written as raw UTF-8');
});

test('MeDiSumCode: every code is in the shared ICD-10 table with its description; duplicates exist', () => {
  const table = JSON.parse(gunzipSync(readFileSyncShared('icd10.json.gz')).toString('utf8')) as Record<string, [boolean, string]>;
  const body = text('medisumcode');
  assert.ok(isAscii(body));
  const recs = JSON.parse(body) as { hadm_id: string; text: string; icd_codes: { code: string; description: string }[] }[];
  assert.equal(recs.length, SAMPLES + 1);
  let duplicates = 0;
  for (const r of recs) {
    assert.deepEqual(Object.keys(r), ['hadm_id', 'text', 'icd_codes']);
    assert.match(r.hadm_id, /^\d{8}$/);
    assert.ok(r.icd_codes.length >= 3);
    for (const { code, description } of r.icd_codes) {
      assert.ok(table[code], `${code} is in the ICD-10 table`);
      assert.equal(description, table[code]![1]);
    }
    if (new Set(r.icd_codes.map((c) => c.code)).size < r.icd_codes.length) duplicates++;
  }
  assert.ok(duplicates > 0);
  assert.ok(recs.some((r) => r.text.includes('µg')));
});

function readFileSyncShared(name: string): Buffer {
  return readFileSync(join(sharedDatasetsDir(), name));
}

type LhQuestion = Record<string, unknown> & { correct: string; answer_location: Record<string, { start: number[]; end: number[] }> };
type LhPatient = { texts: Record<string, string>; name: string; birthday: string; diagnosis: string; questions: LhQuestion[]; 'canaray-string': string };

/** CLUE's get_correct_answer: the first answer_* key (not *location) whose text contains `correct`. */
function clueCorrectLetter(q: LhQuestion): string | undefined {
  for (const k of Object.keys(q)) {
    if (!k.startsWith('answer') || k.endsWith('location')) continue;
    if ((q[k] as string).includes(q.correct)) return k.slice(-1).toUpperCase();
  }
  return undefined;
}

test('LongHealth: patients, texts and questions whose correct text is exactly one option', () => {
  const data = JSON.parse(text('longhealth')) as Record<string, LhPatient>;
  const ids = Object.keys(data);
  assert.ok(ids.length >= 2 && ids.length <= 20);
  assert.deepEqual(ids, ids.map((_, i) => `patient_${String(i + 1).padStart(2, '0')}`));
  let questions = 0;
  const docWords: number[] = [];
  for (const p of Object.values(data)) {
    assert.deepEqual(Object.keys(p), ['texts', 'name', 'birthday', 'diagnosis', 'questions', 'canaray-string']);
    const textIds = Object.keys(p.texts);
    assert.ok(textIds.length >= 2 && textIds.length <= 5, `${textIds.length} texts`);
    docWords.push(...Object.values(p.texts).map(wordCount));
    p.questions.forEach((q, i) => {
      questions++;
      assert.equal(q['No'], i + 1);
      const options = ['a', 'b', 'c', 'd', 'e'].map((l) => q[`answer_${l}`] as string);
      assert.equal(options.filter((o) => o === q.correct).length, 1, 'correct equals exactly one option');
      assert.equal(options.filter((o) => o.includes(q.correct)).length, 1, 'and is inside no other option');
      assert.equal(clueCorrectLetter(q), 'ABCDE'[options.indexOf(q.correct)]);
      assert.ok(Object.keys(q.answer_location).length >= 1);
      for (const [tid, loc] of Object.entries(q.answer_location)) {
        const doc = p.texts[tid];
        assert.ok(doc !== undefined, `${tid} exists`);
        const s = loc.start[0]!;
        const e = loc.end[0]!;
        assert.ok(loc.start.length === 1 && loc.end.length === 1 && s >= 0 && s < e && e <= 1);
        const window = doc.slice(Math.floor(s * doc.length) - 1, Math.ceil(e * doc.length) + 1);
        assert.ok(window.includes(q.correct), `answer "${q.correct}" lies in ${tid} at [${s}, ${e}]`);
      }
    });
  }
  assert.equal(questions, SAMPLES);
  const codeWords = (JSON.parse(text('medisumcode')) as { text: string }[]).map((r) => wordCount(r.text));
  assert.ok(mean(docWords) > mean(codeWords), 'LongHealth documents are the longest');
  assert.ok(text('longhealth').includes('Müller-Séguin'));
});

test('JSON files are byte-identical to what Python json.dumps writes for the data it loads back', () => {
  const input = JSON.stringify({
    mednli: text('mednli'),
    medisumqa: text('medisumqa'),
    medisumcode: text('medisumcode'),
    longhealth: text('longhealth'),
  });
  const out = runPython(
    `import json, sys
f = json.loads(sys.stdin.read())
ok = {
  'mednli': ''.join(json.dumps(json.loads(l)) + '\\n' for l in f['mednli'].splitlines()) == f['mednli'],
  'medisumqa': json.dumps(json.loads(f['medisumqa']), indent=4, ensure_ascii=False) == f['medisumqa'],
  'medisumcode': json.dumps(json.loads(f['medisumcode']), indent=4) == f['medisumcode'],
  'longhealth': json.dumps(json.loads(f['longhealth']), indent=4, ensure_ascii=False) == f['longhealth'],
}
print(json.dumps(ok))`,
    input,
  );
  assert.deepEqual(JSON.parse(out), { mednli: true, medisumqa: true, medisumcode: true, longhealth: true });
});

test('same seed gives byte-identical files; another seed changes every file', async () => {
  const again = await generateDatasets({ outDir: join(dir, 'b'), samples: SAMPLES, seed: 7 });
  const other = await generateDatasets({ outDir: join(dir, 'c'), samples: SAMPLES, seed: 8 });
  for (const t of Object.keys(SYNTH_FILE_NAMES) as TaskId[]) {
    assert.ok(bytes[t].equals(await readFile(again[t])), `${t} identical`);
    assert.ok(!bytes[t].equals(await readFile(other[t])), `${t} differs with another seed`);
  }
});

test('record counts follow samples, few-shot counts and patients', () => {
  const d = generateInMemory({ samples: 5, seed: 3, patients: 3 });
  assert.equal(d.mednli.length, 5 + SYNTH_FEW_SHOT.mednli);
  assert.equal(d.meqsum.length, 5 + SYNTH_FEW_SHOT.meqsum);
  assert.equal(d.problemsummary.length, 5 + SYNTH_FEW_SHOT.problemsummary);
  assert.equal(d.medisumqa.length, 5 + SYNTH_FEW_SHOT.medisumqa);
  assert.equal(d.medisumcode.length, 5 + SYNTH_FEW_SHOT.medisumcode);
  assert.deepEqual(Object.values(d.longhealth).map((p) => p.questions.length), [2, 2, 1]);
  const small = generateInMemory({ samples: 1 });
  assert.deepEqual(Object.values(small.longhealth).map((p) => p.questions.length), [1, 1], 'at least 2 patients');
  const big = generateInMemory({ samples: 1000 });
  const lh = Object.values(big.longhealth);
  assert.equal(lh.length, 20);
  assert.equal(lh.reduce((n, p) => n + p.questions.length, 0), 1000);
});

test('bad options give ClueError INVALID_ARGUMENT naming the option', async () => {
  const bad: [object, RegExp][] = [
    [{ samples: 0 }, /samples/],
    [{ samples: 2.5 }, /samples/],
    [{ seed: -1 }, /seed/],
    [{ patients: 1 }, /patients/],
    [{ patients: 21 }, /patients/],
  ];
  for (const [opts, re] of bad) {
    assert.throws(() => generateInMemory(opts), (e: unknown) => e instanceof ClueError && e.code === 'INVALID_ARGUMENT' && re.test(e.message));
  }
  await assert.rejects(generateDatasets({ outDir: '' }), (e: unknown) => e instanceof ClueError && /outDir/.test(e.message));
});

test('file names and few-shot counts agree with the task definitions, which load every file', async () => {
  const { SHORT_TASKS } = await import('../tasks/registry.js');
  for (const def of SHORT_TASKS) {
    assert.equal(def.fileName, SYNTH_FILE_NAMES[def.id]);
    assert.equal(def.fewShot, SYNTH_FEW_SHOT[def.id]);
    const loaded = def.load(new Uint8Array(bytes[def.id]), files[def.id]);
    assert.equal(loaded.records.length, SAMPLES + def.fewShot, def.id);
    loaded.records.forEach((rec, i) => def.prepare(rec, loaded.locations[i]!));
  }
});
