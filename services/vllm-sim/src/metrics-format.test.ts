import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Counter, Histogram, Registry } from 'prom-client';
import { floatToGoString, pythonExposition, pyFloatRepr } from './metrics-format.js';

const VALUES = [1, 1234, 0.3, 1e-5, 0.001, 7680, 1730123456.789012, 1e16, 123.456, 1.5e-7, 0, 2.5, 1234567, 0.1 + 0.2];

test('float formatting equals Python repr and prometheus_client floatToGoString', (t) => {
  const script =
    'import json,sys\n' +
    'def go(d):\n' +
    '    s = repr(d); dot = s.find(".")\n' +
    '    if d > 0 and dot > 6:\n' +
    '        m = f"{s[0]}.{s[1:dot]}{s[dot + 1:]}".rstrip("0.")\n' +
    '        return f"{m}e+0{dot - 1}"\n' +
    '    return s\n' +
    'xs = [float(x) for x in json.load(sys.stdin)]\n' +
    'print(json.dumps([[repr(x), go(x)] for x in xs]))\n';
  const r = spawnSync('python3', ['-c', script], { input: JSON.stringify(VALUES), encoding: 'utf8' });
  if (r.error) {
    t.skip('python3 not available');
    return;
  }
  const expected = JSON.parse(r.stdout) as Array<[string, string]>;
  assert.deepEqual(VALUES.map((x) => [pyFloatRepr(x), floatToGoString(x)]), expected);
  assert.equal(floatToGoString(Infinity), '+Inf');
});

test('exposition: label order with le last, count before sum, _created gauges, no blank lines', async () => {
  const registry = new Registry();
  new Counter({ name: 'vllm:x_total', help: 'X.', labelNames: ['model_name', 'engine'], registers: [registry] }).labels({ model_name: 'm', engine: '0' }).inc(3);
  const h = new Histogram({ name: 'vllm:y_seconds', help: 'Y.', labelNames: ['model_name', 'engine'], buckets: [0.5, 1], registers: [registry] });
  h.labels({ model_name: 'm', engine: '0' }).observe(0.7);
  const text = await pythonExposition(registry, 1730000000.5);
  assert.equal(
    text,
    [
      '# HELP vllm:x_total X.',
      '# TYPE vllm:x_total counter',
      'vllm:x_total{model_name="m",engine="0"} 3.0',
      '# HELP vllm:x_created X.',
      '# TYPE vllm:x_created gauge',
      'vllm:x_created{model_name="m",engine="0"} 1.7300000005e+09',
      '# HELP vllm:y_seconds Y.',
      '# TYPE vllm:y_seconds histogram',
      'vllm:y_seconds_bucket{model_name="m",engine="0",le="0.5"} 0.0',
      'vllm:y_seconds_bucket{model_name="m",engine="0",le="1.0"} 1.0',
      'vllm:y_seconds_bucket{model_name="m",engine="0",le="+Inf"} 1.0',
      'vllm:y_seconds_count{model_name="m",engine="0"} 1.0',
      'vllm:y_seconds_sum{model_name="m",engine="0"} 0.7',
      '# HELP vllm:y_seconds_created Y.',
      '# TYPE vllm:y_seconds_created gauge',
      'vllm:y_seconds_created{model_name="m",engine="0"} 1.7300000005e+09',
      '',
    ].join('\n'),
  );
});
