/**
 * Reads one value out of Prometheus text exposition (vLLM's `/metrics`): the sum of a metric's samples
 * over all label sets, e.g. `vllm:generation_tokens_total` (progress for hang detection) or
 * `vllm:num_requests_running`.
 */

/**
 * Sum of every sample named exactly `name` (any labels), or null when the metric is absent.
 * Histogram/summary series (`_bucket`, `_sum`, `_count`) only match when named in full.
 */
export function sumMetric(text: string, name: string): number | null {
  let sum = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || !line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    const valueStart = rest[0] === '{' ? closingBrace(rest) + 1 : 0;
    if (valueStart <= 0 && rest[0] === '{') continue;
    const fields = rest.slice(valueStart).trim().split(/\s+/);
    const v = Number(fields[0]);
    if (fields[0] === undefined || Number.isNaN(v)) continue;
    sum += v;
    found = true;
  }
  return found ? sum : null;
}

/** Index of the `}` closing the label set that starts at 0 (label values may contain `}` inside quotes). */
function closingBrace(s: string): number {
  let inQuote = false;
  for (let i = 1; i < s.length; i++) {
    const c = s[i];
    if (inQuote) {
      if (c === '\\') i++;
      else if (c === '"') inQuote = false;
    } else if (c === '"') inQuote = true;
    else if (c === '}') return i;
  }
  return -1;
}
