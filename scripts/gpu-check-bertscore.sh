#!/usr/bin/env bash
# Cross-checks our BERTScore against Python bert_score on a machine with a GPU (not part of CI).
#
# It serves SciBERT with vLLM exactly as a worker's scorer group does (the flags come from the code:
# BERTSCORE_ENGINE_ARGS), scores a few hundred MeQSum-based pairs through our path
# (`clue score --bertscore-engine`: the server tokenizes and embeds, @clue/tasks matches and batches)
# and through `bert_score.score(preds, refs, lang="en-sci")` as CLUE calls it, and prints the largest
# per-pair differences of P, R and F1 and both task means as CLUE writes them ("{:.2f}").
#
# Needs: an NVIDIA GPU; `vllm` >= 0.11.1 on PATH (0.11.0's /pooling has no token_embed task);
# python3 with torch, transformers and bert_score (CLUE pins dadaamin/bert_score@796d5e4;
# upstream 0.3.13 computes the same for en-sci); the allenai/scibert_scivocab_uncased weights in the
# Hugging Face cache (or network access); Node 20 and this repository built (`bash scripts/setup.sh`).
#
# Usage: scripts/gpu-check-bertscore.sh [--pairs N] [--meqsum FILE] [--port P] [--keep DIR]
#   --pairs N      pairs to score (default 300)
#   --meqsum FILE  MeQSum_ACL2019_BenAbacha_Demner-Fushman.xlsx (default: ../shared/datasets/)
#   --port P       port of the vLLM server (default 8765)
#   --keep DIR     keep the pairs, both score files and the server log in DIR
# Exit status: 0 when every |difference| <= 1e-4 (float32 on different kernels), 1 otherwise, 2 on bad use.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PAIRS=300
MEQSUM="$ROOT/../shared/datasets/MeQSum_ACL2019_BenAbacha_Demner-Fushman.xlsx"
PORT=8765
KEEP=""
while [ $# -gt 0 ]; do
  case "$1" in
    --pairs) PAIRS="${2:?--pairs needs a number}"; shift 2 ;;
    --meqsum) MEQSUM="${2:?--meqsum needs a file}"; shift 2 ;;
    --port) PORT="${2:?--port needs a number}"; shift 2 ;;
    --keep) KEEP="${2:?--keep needs a directory}"; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "gpu-check-bertscore: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
if ! [[ "$PAIRS" =~ ^[1-9][0-9]*$ ]]; then echo "gpu-check-bertscore: --pairs must be a whole number >= 1, got '$PAIRS'" >&2; exit 2; fi
[ -f "$MEQSUM" ] || { echo "gpu-check-bertscore: MeQSum file not found: $MEQSUM (pass --meqsum FILE)" >&2; exit 2; }
command -v vllm >/dev/null || { echo "gpu-check-bertscore: vllm is not on PATH (pip install 'vllm>=0.11.1')" >&2; exit 2; }
python3 -c 'import bert_score, torch' 2>/dev/null || { echo "gpu-check-bertscore: python3 cannot import bert_score and torch" >&2; exit 2; }
[ -f "$ROOT/services/cli/dist/main.js" ] || { echo "gpu-check-bertscore: build the repository first (bash scripts/setup.sh)" >&2; exit 2; }

WORK="${KEEP:-$(mktemp -d)}"
mkdir -p "$WORK"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if [ -z "$KEEP" ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT

# 1. The scorer engine, as a worker launches it.
mapfile -t FLAGS < <(cd "$ROOT" && node --input-type=module -e "
  const t = await import('./services/tasks/dist/index.js');
  for (const a of t.BERTSCORE_ENGINE_ARGS) console.log(a);")
echo "serving SciBERT: vllm serve allenai/scibert_scivocab_uncased --port $PORT --served-model-name scibert-scorer ${FLAGS[*]} --max-model-len 512"
vllm serve allenai/scibert_scivocab_uncased --host 127.0.0.1 --port "$PORT" --served-model-name scibert-scorer "${FLAGS[@]}" \
  --max-model-len 512 --gpu-memory-utilization 0.5 --seed 0 >"$WORK/vllm.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 600); do
  if curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then echo "gpu-check-bertscore: vLLM exited; its log:" >&2; tail -30 "$WORK/vllm.log" >&2; exit 1; fi
  sleep 1
done
curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null || { echo "gpu-check-bertscore: vLLM not ready after 600 s" >&2; exit 1; }

# 2. Pairs from MeQSum's summaries: identical, unrelated, a shortened one, and an empty prediction.
(cd "$ROOT" && node --input-type=module -e "
  import { readFileSync, writeFileSync } from 'node:fs';
  const t = await import('./services/tasks/dist/index.js');
  const refs = t.buildTaskPrompts(t.getShortTask('meqsum'), readFileSync(process.argv[1]), 'meqsum.xlsx').samples.map((s) => s.reference);
  const n = Number(process.argv[2]);
  const lines = [];
  for (let i = 0; i < n; i++) {
    const ref = refs[i % refs.length];
    const kind = i % 4;
    const words = ref.split(' ');
    const pred = i === 1 ? '' : kind === 0 ? ref : kind === 1 ? refs[(i * 7 + 3) % refs.length] : kind === 2 ? words.slice(0, Math.max(1, words.length >> 1)).join(' ') : refs[(i + 1) % refs.length] + ' ' + ref;
    lines.push(JSON.stringify({ prediction: pred, reference: ref }));
  }
  writeFileSync(process.argv[3], lines.join('\n') + '\n');
" "$MEQSUM" "$PAIRS" "$WORK/pairs.jsonl")

# 3. Ours.
node "$ROOT/services/cli/bin/clue.js" score --task meqsum --input "$WORK/pairs.jsonl" --clue-compat \
  --bertscore-engine "http://127.0.0.1:$PORT" >"$WORK/ours.jsonl" 2>"$WORK/ours-summary.txt"

# 4. bert_score as CLUE calls it, and the comparison.
python3 - "$WORK/pairs.jsonl" "$WORK/ours.jsonl" <<'PY'
import json, sys
import numpy as np
from bert_score import score
pairs = [json.loads(l) for l in open(sys.argv[1])]
ours = [json.loads(l) for l in open(sys.argv[2])]
preds = [p["prediction"] for p in pairs]
refs = [p["reference"] for p in pairs]
P, R, F = score(preds, refs, lang="en-sci")
worst = 0.0
for name, theirs, key in (("P", P, "BERT_P"), ("R", R, "BERT_R"), ("F1", F, "BERT_F1")):
    a = theirs.cpu().numpy()
    b = np.array([o.get(key, float("nan")) for o in ours], dtype=np.float64)
    d = np.abs(a.astype(np.float64) - b)
    i = int(np.nanargmax(d))
    worst = max(worst, float(np.nanmax(d)))
    print(f"{name}: largest |ours - bert_score| = {np.nanmax(d):.3g} (pair {i}); means \"{np.mean(a):.2f}\" (bert_score) vs \"{np.mean(b.astype(np.float32)):.2f}\" (ours)")
print(f"pairs: {len(pairs)}; largest difference {worst:.3g}")
sys.exit(0 if worst <= 1e-4 else 1)
PY
