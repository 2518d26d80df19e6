import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoTokenizer, SimpleTokenizer, decodePrefix, memoiseTokenizer, type Tokenizer } from './tokenizer.js';

test('SimpleTokenizer: BOS, pieces and exact inverse', () => {
  const t = new SimpleTokenizer();
  const ids = t.encodeSync('Hello, world!\n\nNew  line');
  // BOS + Hello , ␠ world ! \n\n New ␠␠ line
  assert.equal(ids.length, 10);
  assert.equal(ids[0], SimpleTokenizer.BOS_ID);
  assert.equal(t.decodeSync(ids.slice(1)), 'Hello, world!\n\nNew  line');
  assert.equal(t.decodeSync(ids), '<s>Hello, world!\n\nNew  line');
  assert.equal(t.decodeSync(ids.slice(0, 3)), '<s>Hello,');
  assert.deepEqual(t.encodeSync(''), [1]);
  assert.equal(t.decodeSync([]), '');
  const text = 'Ünïcode 𝐀𝐁 ½ e\u0301 _x_ \u{1F600}\t';
  assert.equal(t.decodeSync(t.encodeSync(text).slice(1)), text);
  assert.throws(() => t.decodeSync([999]), RangeError);
});

test('SimpleTokenizer: same text gives the same ids; options', async () => {
  const t = new SimpleTokenizer({ bos: false, bosText: '[BOS]' });
  assert.deepEqual(await t.encode('a b a'), await t.encode('a b a'));
  assert.equal((await t.encode('a b a')).length, 5);
  assert.equal(await t.decode([1]), '[BOS]');
});

class CountingTokenizer implements Tokenizer {
  encodes = 0;
  decodes = 0;
  readonly inner = new SimpleTokenizer();
  async encode(text: string): Promise<readonly number[]> {
    this.encodes++;
    return this.inner.encode(text);
  }
  async decode(ids: readonly number[]): Promise<string> {
    this.decodes++;
    return this.inner.decode(ids);
  }
}

test('MemoTokenizer: one encode per text, one decode per (text, n)', async () => {
  const inner = new CountingTokenizer();
  const t = new MemoTokenizer(inner);
  const [a, b] = await Promise.all([t.encode('one two'), t.encode('one two')]);
  assert.equal(a, b);
  await t.encode('three');
  assert.equal(inner.encodes, 2);
  assert.deepEqual(t.stats, { encodeCalls: 2, decodeCalls: 0 });
  assert.equal(await t.decodePrefix('one two', 2), '<s>one');
  assert.equal(await t.decodePrefix('one two', 2), '<s>one');
  assert.equal(await t.decodePrefix('one two', 3), '<s>one ');
  assert.equal(await t.decodePrefix('one two', 0), '');
  assert.equal(inner.decodes, 2);
  assert.equal(inner.encodes, 2);
  assert.equal(memoiseTokenizer(t), t);
  assert.notEqual(memoiseTokenizer(inner), t);
});

test('MemoTokenizer: a failed encode is not cached', async () => {
  let fail = true;
  const flaky: Tokenizer = {
    encode: async (text) => {
      if (fail) throw new Error('server down');
      return [1, text.length];
    },
    decode: async () => '',
  };
  const t = new MemoTokenizer(flaky);
  await assert.rejects(t.encode('x'), /server down/);
  fail = false;
  assert.deepEqual(await t.encode('x'), [1, 1]);
});

test('decodePrefix without a cache: decode(encode(text)[:n])', async () => {
  const inner = new CountingTokenizer();
  assert.equal(await decodePrefix(inner, 'a b c', 4), '<s>a b');
  assert.equal(await decodePrefix(inner, 'a b c', 0), '');
  assert.equal(inner.decodes, 1);
});
