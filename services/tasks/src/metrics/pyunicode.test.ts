import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPyWordChar, PY_UNICODE_VERSION, PY_WORD_CLASS, pyLower, pyUpper } from './pyunicode.js';
import { runPython } from '../test-support.js';

/** What python3 reports for every code point (surrogates excluded: they cannot be printed as UTF-8). */
interface PythonUnicode {
  readonly version: string;
  /** Ranges [start, end] of code points unassigned in python3's database. */
  readonly cn: [number, number][];
  readonly word: [number, number][];
  /** Code points whose `lower()` / `upper()` differ from themselves, with the result. */
  readonly lower: Record<string, string>;
  readonly upper: Record<string, string>;
  /** Ranges where U+03A3 lowercases to final sigma in the contexts c+Σ, 'A'+c+Σ and 'AΣ'+c. */
  readonly sigma: [[number, number][], [number, number][], [number, number][]];
}

let cache: PythonUnicode | undefined;
function pythonUnicode(): PythonUnicode {
  cache ??= JSON.parse(
    runPython(`import json, unicodedata
def ranges(pred):
    out, start = [], None
    for cp in range(0x110000):
        if pred(cp):
            if start is None: start = cp
        elif start is not None:
            out.append([start, cp - 1]); start = None
    if start is not None: out.append([start, 0x10FFFF])
    return out
ok = lambda cp: not (0xD800 <= cp < 0xE000)
S, fin = '\\u03a3', '\\u03c2'
lower, upper = {}, {}
for cp in range(0x110000):
    if not ok(cp): continue
    c = chr(cp)
    if c.lower() != c: lower[cp] = c.lower()
    if c.upper() != c: upper[cp] = c.upper()
print(json.dumps({
  'version': unicodedata.unidata_version,
  'cn': ranges(lambda cp: ok(cp) and unicodedata.category(chr(cp)) == 'Cn'),
  'word': ranges(lambda cp: ok(cp) and (chr(cp).isalnum() or cp == 0x5F)),
  'lower': lower, 'upper': upper,
  'sigma': [ranges(lambda cp: ok(cp) and (chr(cp) + S).lower()[-1] == fin),
            ranges(lambda cp: ok(cp) and ('A' + chr(cp) + S).lower()[-1] == fin),
            ranges(lambda cp: ok(cp) and ('A' + S + chr(cp)).lower()[1] == fin)],
}))`),
  ) as PythonUnicode;
  return cache;
}

function bitmap(ranges: readonly [number, number][]): Uint8Array {
  const m = new Uint8Array(0x110000);
  for (const [a, b] of ranges) m.fill(1, a, b + 1);
  return m;
}

function versionKey(v: string): number {
  const [a = 0, b = 0, c = 0] = v.split('.').map(Number);
  return a * 10000 + b * 100 + c;
}

/**
 * Which code points may legitimately differ from python3 here. python3 with Unicode 15.0.0 (CPython
 * 3.12, CLUE's interpreter) must agree everywhere; an older python3 lacks the characters Unicode 15.0
 * added, so only code points it has as unassigned may differ. A newer one is not comparable: skip.
 */
function tolerance(py: PythonUnicode): Uint8Array | 'skip' {
  const cmp = versionKey(py.version) - versionKey(PY_UNICODE_VERSION);
  if (cmp === 0) return new Uint8Array(0x110000);
  if (cmp < 0) return bitmap(py.cn);
  return 'skip';
}

function* codePoints(): Generator<number> {
  for (let cp = 0; cp < 0x110000; cp++) if (cp < 0xd800 || cp >= 0xe000) yield cp;
}

test('pyLower and pyUpper equal python3 str.lower/str.upper on every code point', (t) => {
  const py = pythonUnicode();
  const allowed = tolerance(py);
  if (allowed === 'skip') return t.skip(`python3 has Unicode ${py.version}, newer than ${PY_UNICODE_VERSION}`);
  const bad: string[] = [];
  let compared = 0;
  for (const cp of codePoints()) {
    if (allowed[cp]) continue;
    compared++;
    const c = String.fromCodePoint(cp);
    if (pyLower(c) !== (py.lower[cp] ?? c)) bad.push(`lower U+${cp.toString(16)}`);
    if (pyUpper(c) !== (py.upper[cp] ?? c)) bad.push(`upper U+${cp.toString(16)}`);
  }
  assert.deepEqual(bad.slice(0, 20), []);
  assert.ok(compared > 250_000, `compared ${compared} code points`);
  assert.ok(Object.keys(py.lower).length > 1400 && Object.keys(py.upper).length > 1400);
});

test('isPyWordChar and PY_WORD_CLASS equal python3 (str.isalnum() or "_") on every code point', (t) => {
  const py = pythonUnicode();
  const allowed = tolerance(py);
  if (allowed === 'skip') return t.skip(`python3 has Unicode ${py.version}, newer than ${PY_UNICODE_VERSION}`);
  const word = bitmap(py.word);
  const cls = new RegExp(`^${PY_WORD_CLASS}$`, 'u');
  const bad: string[] = [];
  for (const cp of codePoints()) {
    if (allowed[cp]) continue;
    const expected = word[cp] === 1;
    if (isPyWordChar(cp) !== expected) bad.push(`isPyWordChar U+${cp.toString(16)}`);
    if (cls.test(String.fromCodePoint(cp)) !== expected) bad.push(`PY_WORD_CLASS U+${cp.toString(16)}`);
  }
  assert.deepEqual(bad.slice(0, 20), []);
});

test('the final-sigma rule of pyLower equals python3 next to every code point', (t) => {
  const py = pythonUnicode();
  const allowed = tolerance(py);
  if (allowed === 'skip') return t.skip(`python3 has Unicode ${py.version}, newer than ${PY_UNICODE_VERSION}`);
  const [alone, afterCased, beforeC] = py.sigma.map(bitmap) as [Uint8Array, Uint8Array, Uint8Array];
  const bad: string[] = [];
  for (const cp of codePoints()) {
    if (allowed[cp]) continue;
    const c = String.fromCodePoint(cp);
    if (pyLower(c + '\u03a3').endsWith('\u03c2') !== (alone[cp] === 1)) bad.push(`c+Σ U+${cp.toString(16)}`);
    if (pyLower('A' + c + '\u03a3').endsWith('\u03c2') !== (afterCased[cp] === 1)) bad.push(`A+c+Σ U+${cp.toString(16)}`);
    if ((pyLower('A\u03a3' + c)[1] === '\u03c2') !== (beforeC[cp] === 1)) bad.push(`AΣ+c U+${cp.toString(16)}`);
  }
  assert.deepEqual(bad.slice(0, 20), []);
});

test('known differences from JavaScript case mapping and hand-checked cases', () => {
  assert.equal(pyLower('\u0130'), 'i\u0307'); // İ
  assert.equal(pyLower('\u212a'), 'k'); // Kelvin sign
  assert.equal(pyLower('\u1e9e'), '\u00df'); // ẞ -> ß
  assert.equal(pyUpper('stra\u00dfe'), 'STRASSE');
  assert.equal(pyUpper('\ufb03'), 'FFI'); // ﬃ
  assert.equal(pyUpper('\u0149'), '\u02bcN'); // ŉ
  assert.equal(pyLower('\u{10400}x'), '\u{10428}x'); // Deseret, a surrogate pair
  // Unicode 16 added case pairs (U+A7CB, Garay): CPython 3.12 leaves them alone, Node's ICU does not.
  assert.equal(pyLower('\ua7cb'), '\ua7cb');
  assert.equal(pyUpper('\u0264'), '\u0264');
  assert.equal(pyLower('\u{10d50}'), '\u{10d50}');
  // Final sigma: after a cased letter and not before one, skipping case-ignorable characters.
  assert.equal(pyLower('\u0391\u03a3'), '\u03b1\u03c2');
  assert.equal(pyLower('\u0391\u03a3\u0391'), '\u03b1\u03c3\u03b1');
  assert.equal(pyLower('\u03a3'), '\u03c3');
  assert.equal(pyLower("\u0391'\u03a3'"), "\u03b1'\u03c2'"); // apostrophe is case-ignorable
  assert.equal(pyLower('\u0391\u03a3.\u0391'), '\u03b1\u03c3.\u03b1'); // '.' is case-ignorable
  assert.equal(pyLower('\u0391\u03a3 \u0391'), '\u03b1\u03c2 \u03b1');
  assert.equal(pyLower('HELLO'), 'hello');
  assert.equal(pyLower('\ud800A'), '\ud800a'); // lone surrogate kept
  assert.equal(isPyWordChar(0x5f), true);
  assert.equal(isPyWordChar(0xe9), true); // é
  assert.equal(isPyWordChar(0x2d), false);
  assert.equal(isPyWordChar(0x00b2), true); // ² (isdigit)
  assert.equal(isPyWordChar(0x2160), true); // Ⅰ (isnumeric)
});

/** Small deterministic generator for test strings. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('pyLower and pyUpper equal python3 on random mixed strings (sigma contexts, pairs, expansions)', () => {
  const pool = Array.from(
    "AaZz09 .,'-_\u03a3\u03c3\u0391\u03b1\u0301\u0345\u00ad\u0130\u0131\u00df\u1e9e\u0149\ufb00\u212a\u00c9\u00e9\u0410\u0430" +
      '\u{10400}\u{10428}\u{1d400}\u{1f600}\u2160\u2170\u24b6\u1f80\u1fb3\u0587\u0390\u2126',
  );
  const next = rng(42);
  const inputs: string[] = [];
  for (let i = 0; i < 2000; i++) {
    let s = '';
    const len = Math.floor(next() * 10);
    for (let k = 0; k < len; k++) s += pool[Math.floor(next() * pool.length)]!;
    inputs.push(s);
  }
  const expected = JSON.parse(
    runPython('import json, sys\nxs = json.load(sys.stdin)\nprint(json.dumps([[x.lower(), x.upper()] for x in xs]))', JSON.stringify(inputs)),
  ) as [string, string][];
  inputs.forEach((s, i) => {
    assert.equal(pyLower(s), expected[i]![0], `lower ${JSON.stringify(s)}`);
    assert.equal(pyUpper(s), expected[i]![1], `upper ${JSON.stringify(s)}`);
  });
});
