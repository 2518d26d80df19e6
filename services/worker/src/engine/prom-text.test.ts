import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sumMetric } from './prom-text.js';

const TEXT = `# HELP vllm:generation_tokens_total Number of generation tokens processed.
# TYPE vllm:generation_tokens_total counter
vllm:generation_tokens_total{model_name="m",engine="0"} 1500
vllm:generation_tokens_total{model_name="odd}name",engine="1"} 25
vllm:generation_tokens_total_created{model_name="m"} 1.7e9
vllm:num_requests_running{model_name="m",engine="0"} 7
vllm:e2e_request_latency_seconds_bucket{le="0.3"} 4
vllm:e2e_request_latency_seconds_count 9
`;

test('sums a metric over label sets, ignoring similarly named series', () => {
  assert.equal(sumMetric(TEXT, 'vllm:generation_tokens_total'), 1525);
  assert.equal(sumMetric(TEXT, 'vllm:num_requests_running'), 7);
  assert.equal(sumMetric(TEXT, 'vllm:e2e_request_latency_seconds_count'), 9);
  assert.equal(sumMetric(TEXT, 'vllm:e2e_request_latency_seconds'), null);
  assert.equal(sumMetric(TEXT, 'vllm:absent'), null);
});
