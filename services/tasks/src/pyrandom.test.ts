import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PyRandom, pyShuffled } from './pyrandom.js';
import { runPython } from './test-support.js';

test('shuffle(seed 1) matches the reference values in the research notes', () => {
  assert.deepEqual(pyShuffled([...Array(10).keys()]).slice(0, 5), [6, 8, 9, 7, 5]);
  assert.deepEqual(pyShuffled([...Array(1000).keys()]).slice(0, 5), [852, 836, 280, 575, 208]);
  assert.deepEqual(pyShuffled([...Array(1422).keys()]).slice(0, 5), [360, 544, 1303, 744, 524]);
});

test('shuffle equals python3 random.shuffle for many sizes and seeds', () => {
  const sizes = [0, 1, 2, 3, 5, 8, 10, 17, 31, 64, 100, 237, 255, 256, 257, 416, 453, 500, 997, 1000, 1422, 4097];
  const seeds = [1, 0, 2, 44, 12345, 2 ** 32 + 7, 2 ** 40];
  const py = runPython(
    `import random, json
out = []
for seed in ${JSON.stringify(seeds)}:
    for n in ${JSON.stringify(sizes)}:
        random.seed(seed); x = list(range(n)); random.shuffle(x); out.append(x)
print(json.dumps(out))`,
  );
  const expected = JSON.parse(py) as number[][];
  let k = 0;
  for (const seed of seeds) {
    for (const n of sizes) {
      assert.deepEqual(pyShuffled([...Array(n).keys()], seed), expected[k++], `seed ${seed} n ${n}`);
    }
  }
});

test('random(), randbelow and sample equal python3', () => {
  const py = runPython(`import random, json
random.seed(7)
a = [random.random() for _ in range(20)]
b = [random.randrange(n) for n in (1, 2, 3, 10, 1000, 2**31 - 1, 2**32 - 1)]
c = [random.sample(range(50), 10), random.sample(list(range(5)), 5), random.sample(range(2000), 30), random.sample(range(30), 0)]
print(json.dumps([a, b, c]))`);
  const [a, b, c] = JSON.parse(py) as [number[], number[], number[][]];
  const r = new PyRandom(7);
  assert.deepEqual(Array.from({ length: 20 }, () => r.random()), a);
  assert.deepEqual([1, 2, 3, 10, 1000, 2 ** 31 - 1, 2 ** 32 - 1].map((n) => r.randbelow(n)), b);
  const range = (n: number) => [...Array(n).keys()];
  assert.deepEqual([r.sample(range(50), 10), r.sample(range(5), 5), r.sample(range(2000), 30), r.sample(range(30), 0)], c);
});

test('bad arguments are rejected', () => {
  const r = new PyRandom(1);
  assert.throws(() => r.sample([1, 2], 3), /larger than population/);
  assert.throws(() => r.randbelow(0), RangeError);
  assert.throws(() => new PyRandom(1.5), RangeError);
});
