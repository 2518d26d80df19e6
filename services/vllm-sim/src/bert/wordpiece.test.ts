import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BertWordPieceTokenizer } from './wordpiece.js';
import { BERT_SPECIAL } from './vocab.js';

const tok = new BertWordPieceTokenizer(31090);
const strs = (text: string) => tok.encode(text).map((id) => tok.tokenString(id));

test('vocabulary: 31090 entries with SciBERT\'s special ids', () => {
  assert.equal(tok.vocab.length, 31090);
  assert.deepEqual([tok.vocab[0], tok.vocab[101], tok.vocab[102], tok.vocab[103], tok.vocab[104]], ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
  assert.deepEqual(tok.encode('', true), [BERT_SPECIAL.cls, BERT_SPECIAL.sep]);
});

test('BasicTokenizer: lower-case, accent strip, punctuation split, control chars dropped', () => {
  assert.deepEqual(strs('The Patient'), ['the', 'patient']);
  assert.deepEqual(strs('Café'), ['ca', '##fe']);
  assert.deepEqual(strs('pain,fever.'), ['pain', ',', 'fever', '.']);
  assert.deepEqual(strs('fever\u0007\tpain'), ['fever', 'pain']);
});

test('WordPiece: ## continuations, [SEP] literal, long word and unknown characters give [UNK]', () => {
  assert.deepEqual(strs('hyperkalemia'), ['hyper', '##ka', '##le', '##mi', '##a']);
  assert.deepEqual(tok.encode('fever [SEP] pain'), [tok.encode('fever')[0], BERT_SPECIAL.sep, tok.encode('pain')[0]]);
  assert.deepEqual(tok.encode('a'.repeat(101)), [BERT_SPECIAL.unk]);
  assert.deepEqual(tok.encode('\u{1F600}'), [BERT_SPECIAL.unk]);
  assert.equal(tok.decode(tok.encode('hyperkalemia noted')), 'hyperkalemia noted');
});
