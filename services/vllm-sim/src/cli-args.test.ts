import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCli, parseHumanReadableInt, type ServeArgs } from './cli-args.js';
import { UsageError } from './errors.js';

function serve(argv: string[]): ServeArgs {
  const c = parseCli(argv);
  assert.equal(c.kind, 'serve');
  return (c as { args: ServeArgs }).args;
}

test('human-readable ints: k = 1000, K = 1024, decimals only with decimal suffixes', () => {
  assert.equal(parseHumanReadableInt('1k'), 1000);
  assert.equal(parseHumanReadableInt('1K'), 1024);
  assert.equal(parseHumanReadableInt('25.6k'), 25600);
  assert.equal(parseHumanReadableInt('32K'), 32768);
  assert.equal(parseHumanReadableInt('2m'), 2_000_000);
  assert.equal(parseHumanReadableInt('4096'), 4096);
  assert.throws(() => parseHumanReadableInt('25.6K'), /Decimals are not allowed with binary suffixes like K\. Did you mean to use 25\.6k instead\?/);
  assert.throws(() => parseHumanReadableInt('abc'), /invalid human_readable_int value: 'abc'/);
});

test('serve MODEL with the flags the worker sets', () => {
  const a = serve([
    'serve', 'meta-llama/Meta-Llama-3-8B-Instruct', '--port', '8001', '--host', '127.0.0.1',
    '--served-model-name', 'llama-3-8b', 'llama3', '--max-model-len', '8k', '-tp', '2',
    '--gpu-memory-utilization', '0.85', '--max-num-seqs', '64', '--max-num-batched-tokens', '4K',
    '--seed', '7', '--generation-config', 'vllm', '--chat-template', '/t/x.jinja', '--api-key', 'k1', '--dtype', 'half',
  ]);
  assert.equal(a.model, 'meta-llama/Meta-Llama-3-8B-Instruct');
  assert.equal(a.port, 8001);
  assert.equal(a.host, '127.0.0.1');
  assert.deepEqual(a.servedModelNames, ['llama-3-8b', 'llama3']);
  assert.equal(a.maxModelLen, 8000);
  assert.equal(a.tensorParallelSize, 2);
  assert.equal(a.gpuMemoryUtilization, 0.85);
  assert.equal(a.maxNumSeqs, 64);
  assert.equal(a.maxNumBatchedTokens, 4096);
  assert.equal(a.seed, 7);
  assert.equal(a.generationConfig, 'vllm');
  assert.equal(a.chatTemplate, '/t/x.jinja');
  assert.deepEqual(a.apiKeys, ['k1']);
  assert.equal(a.dtype, 'half');
});

test('defaults when only a model is given', () => {
  const a = serve(['serve', 'm-7b']);
  assert.equal(a.port, 8000);
  assert.equal(a.host, null);
  assert.equal(a.servedModelNames, null);
  assert.equal(a.maxModelLen, null);
  assert.equal(a.tensorParallelSize, 1);
  assert.equal(a.gpuMemoryUtilization, 0.9);
  assert.equal(a.seed, 0);
  assert.equal(a.generationConfig, 'auto');
  assert.equal(a.enablePrefixCaching, null);
});

test('--flag=value, underscores, and --no- forms', () => {
  const a = serve(['serve', 'm-7b', '--max_model_len=2K', '--tensor-parallel-size=4', '--no-enable-prefix-caching', '--enforce-eager']);
  assert.equal(a.maxModelLen, 2048);
  assert.equal(a.tensorParallelSize, 4);
  assert.equal(a.enablePrefixCaching, false);
  assert.equal(a.enforceEager, true);
});

test('unknown vLLM flags are accepted and ignored, with and without values', () => {
  const a = serve([
    'serve', '--trust-remote-code', 'org/model-7b', '--kv-cache-dtype', 'fp8', '--download-dir', '/cache',
    '--enable-chunked-prefill', '--swap-space', '4', '--disable-log-requests', '--some-future-flag', '--port', '9000',
    '-O3', '--no-use-tqdm-on-load', '--enable-something-new', '--limit-mm-per-prompt', '{"image": 0}',
  ]);
  assert.equal(a.model, 'org/model-7b');
  assert.equal(a.port, 9000);
});

test('--version anywhere, --help, bad values and unknown subcommands', () => {
  assert.equal(parseCli(['--version']).kind, 'version');
  assert.equal(parseCli(['serve', 'x', '--version']).kind, 'version');
  assert.equal(parseCli(['--help']).kind, 'help');
  assert.throws(() => parseCli(['serve', 'x', '--port', 'abc']), (e) => e instanceof UsageError && /argument --port: invalid int value: 'abc'/.test(e.message));
  assert.throws(() => parseCli(['serve', 'x', '--port']), /argument --port: expected one argument/);
  assert.throws(() => parseCli(['serve', 'x', '--gpu-memory-utilization', 'lots']), /invalid float value/);
  assert.throws(() => parseCli(['run', 'x']), /invalid choice: 'run'/);
  assert.throws(() => parseCli(['serve', 'a', 'b']), /unrecognized arguments: b/);
  assert.throws(() => parseCli(['serve', 'x', '--served-model-name']), /expected at least one argument/);
});

test('the given flags are recorded for the non-default args log line', () => {
  const a = serve(['serve', 'm-7b', '--port', '8001', '--api-key', 'secret']);
  assert.equal(a.given.get('model_tag'), 'm-7b');
  assert.equal(a.given.get('port'), 8001);
  assert.deepEqual(a.given.get('api_key'), ['secret']);
});

test('pooling flags of the BERTScore worker', () => {
  const a = serve([
    'serve', 'allenai/scibert_scivocab_uncased', '--runner', 'pooling', '--hf-overrides', '{"architectures":["BertModel"],"num_hidden_layers":8}',
    '--tokenizer-mode', 'slow', '--dtype', 'float32', '--convert', 'none', '--pooler-config', '{"softmax": false}',
  ]);
  assert.equal(a.runner, 'pooling');
  assert.equal(a.convert, 'none');
  assert.deepEqual(a.hfOverrides, { architectures: ['BertModel'], num_hidden_layers: 8 });
  assert.equal(a.tokenizerMode, 'slow');
  assert.equal(a.dtype, 'float32');
  assert.deepEqual(a.poolerConfig, { softmax: false });
  assert.equal(serve(['serve', 'm-7b']).runner, 'auto');
  assert.equal(serve(['serve', 'm-7b', '--hf-overrides', 'oops']).hfOverrides, 'oops');
  assert.throws(() => parseCli(['serve', 'm', '--tokenizer-mode', 'fast']), /invalid choice: 'fast' \(choose from 'auto', 'slow', 'mistral', 'custom'\)/);
  assert.throws(() => parseCli(['serve', 'm', '--dtype', 'fp8']), /argument --dtype: invalid choice: 'fp8'/);
  assert.throws(() => parseCli(['serve', 'm', '--hf-overrides', '{bad}']), /argument --hf-overrides: Value \{bad\} cannot be converted to <function loads at/);
});
