import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimTokenizer, TokenIdError } from './tokenizer.js';

const llama2 = new SimTokenizer({ bos: '<s>', eos: '</s>' });
const llama3 = new SimTokenizer({ bos: '<|begin_of_text|>', eos: '<|eot_id|>' });

const SAMPLES = [
  '',
  'Hello world',
  '  leading and trailing spaces  ',
  'Line one\nLine two\r\n\tTabbed 123456789 3.14159 e-mail: a.b@c.de',
  'Hospitalization for acute-on-chronic hypoxic respiratory failure; BP 120/80 mmHg.',
  'Ünïcödé façade — naïve café, 東京, Ελληνικά, emoji 😀👍🏽 and combining e\u0301.',
  'Special tokens <s> and </s> and <|eot_id|> inside text, plus a lone < and <<SYS>>.',
  'x'.repeat(1000),
];

test('decode(encode(x)) === x for varied text, without the BOS', () => {
  for (const s of SAMPLES) {
    const ids = llama2.encode(s, false);
    assert.equal(llama2.decode(ids), s, JSON.stringify(s));
    const withBos = llama3.encode(s, true);
    assert.equal(withBos[0], llama3.bosId);
    assert.equal(llama3.decode(withBos.slice(1)), s);
  }
});

test('the BOS decodes to its text, as HF tokenizers do', () => {
  assert.equal(llama2.decode(llama2.encode('hi', true)), '<s>hi');
  assert.equal(llama3.decode(llama3.encode('hi', true)), '<|begin_of_text|>hi');
});

test('every prefix of the ids decodes to a prefix of the text (truncation by tokens is safe)', () => {
  const s = SAMPLES[5]! + ' ' + SAMPLES[4]!;
  const ids = llama2.encode(s);
  for (let k = 0; k <= ids.length; k++) assert.ok(s.startsWith(llama2.decode(ids.slice(0, k))), `prefix ${k}`);
});

test('ids are stable across instances and special strings map to single ids', () => {
  const a = new SimTokenizer({ bos: '<s>', eos: '</s>' });
  assert.deepEqual(a.encode(SAMPLES[4]!), llama2.encode(SAMPLES[4]!));
  assert.deepEqual(llama3.encode('<|start_header_id|>user<|end_header_id|>'), [5, llama3.encode('user')[0], 6]);
  // 'Hello world' -> 'Hell' 'o' ' wor' 'ld': ids pack the UTF-8 bytes after per-length offsets.
  const off = [0, 256, 512, 512 + 65536, 512 + 65536 + 16777216];
  assert.deepEqual(llama2.encode('Hello world'), [off[4]! + 0x48656c6c, off[1]! + 0x6f, off[4]! + 0x20776f72, off[2]! + 0x6c64]);
});

test('roughly 3 to 5 characters per token on English prose', () => {
  const prose =
    'The patient is a 67-year-old man with a history of hypertension and type 2 diabetes who presented with ' +
    'shortness of breath and was found to have an exacerbation of congestive heart failure. He was treated with ' +
    'intravenous diuretics and discharged home in stable condition with follow-up in the cardiology clinic.';
  const ratio = prose.length / llama2.count(prose);
  assert.ok(ratio > 3 && ratio < 5, `chars/token ${ratio}`);
});

test('invalid ids are rejected', () => {
  assert.throws(() => llama2.decode([-1]), TokenIdError);
  assert.throws(() => llama2.decode([1.5]), TokenIdError);
  assert.throws(() => llama2.decode([200]), TokenIdError);
  assert.throws(() => llama2.decode([2 ** 40]), TokenIdError);
});
