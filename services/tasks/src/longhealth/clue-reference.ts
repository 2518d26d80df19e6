/**
 * Test support (not part of the runtime API): runs CLUE's own `eval/eval_LongHealth.py` under python3 with
 * stand-ins for vLLM, transformers, huggingface_hub, tqdm, numpy and CLUE's `utils`, so tests can compare this
 * port with the original code. The source is read from a local git mirror of TIO-IKIM/CLUE (env `CLUE_GIT_DIR`,
 * default `/work/.mirror/TIO-IKIM+CLUE/repo`); tests skip when it is not there.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { runPython } from '../test-support.js';

/** Where the CLUE git mirror is looked for. */
export function clueGitDir(): string {
  return process.env['CLUE_GIT_DIR'] ?? '/work/.mirror/TIO-IKIM+CLUE/repo';
}

/** CLUE's `eval/eval_LongHealth.py` at HEAD of the mirror, or undefined when the mirror is not available. */
export function clueLongHealthSource(): string | undefined {
  const dir = clueGitDir();
  if (!existsSync(dir)) return undefined;
  const r = spawnSync('git', ['-C', dir, 'show', 'HEAD:eval/eval_LongHealth.py'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : undefined;
}

/**
 * Python prelude: reads a JSON request from stdin, installs stand-in modules, loads CLUE's script as module `clue`
 * (its `main()` is not run on import) and defines `SimpleTok`, the Python twin of the TS `SimpleTokenizer` (the
 * same pieces for ASCII/Latin text; BOS id 1 decoded as "<s>").
 */
const PRELUDE = String.raw`
import sys, types, json, random, re, io, os, contextlib, tempfile
req = json.load(sys.stdin)

def _mod(name, **attrs):
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    sys.modules[name] = m
    return m

class _NpNum(float):
    def __rtruediv__(self, other):
        return float('inf') if float(self) == 0 else float(other) / float(self)

_mod('numpy', sum=lambda xs: _NpNum(sum(xs)))
_mod('tqdm', tqdm=lambda x, **k: x)
_mod('huggingface_hub', login=lambda *a, **k: None)
_mod('utils', build_first_turn=lambda *a, **k: None)

class SimpleTok:
    PIECE = re.compile(r'\s+|\w+|[^\s\w]')
    def __init__(self):
        self.ids = {}
        self.pieces = ['', '']
    def encode(self, text):
        out = [1]
        for m in self.PIECE.finditer(text):
            p = m.group()
            if p not in self.ids:
                self.ids[p] = len(self.pieces)
                self.pieces.append(p)
            out.append(self.ids[p])
        return out
    def decode(self, ids):
        return ''.join('<s>' if i == 1 else self.pieces[i] for i in ids)

class _AutoTokenizer:
    @staticmethod
    def from_pretrained(*a, **k):
        return SimpleTok()
_mod('transformers', AutoTokenizer=_AutoTokenizer)

class _NS:
    def __init__(self, **k):
        self.__dict__.update(k)

CAPTURED = []
class _LLM:
    def __init__(self, model, download_dir=None):
        self.llm_engine = _NS(model_config=_NS(max_model_len=req.get('max_model_len', 0)))
    def chat(self, messages, sampling_params):
        CAPTURED.append(messages)
        rs = req.get('responses') or ['']
        return [_NS(outputs=[_NS(text=rs[i % len(rs)])]) for i in range(len(messages))]
_mod('vllm', LLM=_LLM, SamplingParams=lambda **k: _NS(**k))

clue = types.ModuleType('clue')
exec(compile(req['source'], 'eval_LongHealth.py', 'exec'), clue.__dict__)
`;

/** Runs `script` after the prelude; `request` must include `source` (CLUE's script). Returns parsed stdout JSON. */
export function runClue<T>(request: Record<string, unknown>, script: string): T {
  return JSON.parse(runPython(PRELUDE + script, JSON.stringify(request))) as T;
}

/** What {@link runClueMain} returns: the chats CLUE sent per task, its prediction logs and its results.json. */
export interface ClueMainResult {
  /** `[task1, task2, task3]`: the message lists passed to `llm.chat`. */
  readonly chats: { role: string; content: string }[][][];
  /** Lines of predictions_task{1,2,3}.json. */
  readonly logs: { 'Model Answer': string; 'Ground Truth Answer': string | null; Correct: boolean }[][];
  /** results.json as text (Python float repr). */
  readonly results: string;
}

/**
 * Runs CLUE's `main()` on `data` (JSON text) after `random.seed(seed)`, with `--max_len maxLen`, a stand-in model
 * whose `max_model_len` is `maxModelLen`, and chat outputs `responses[i % len]` for the i-th prompt of each task.
 */
export function runClueMain(
  source: string,
  data: string,
  opts: { seed: number; maxLen: number; maxModelLen: number; responses: readonly string[] },
): ClueMainResult {
  const script = String.raw`
d = tempfile.mkdtemp()
with open(os.path.join(d, 'data.json'), 'w') as f:
    f.write(req['data'])
sys.argv = ['eval', '--model', 'stub', '--max_len', str(req['max_len']), '--data_path', os.path.join(d, 'data.json'),
            '--log_path', os.path.join(d, 'log')]
random.seed(req['seed'])
with contextlib.redirect_stdout(io.StringIO()):
    clue.main()
logs = []
for t in (1, 2, 3):
    with open(os.path.join(d, 'log', 'predictions_task%d.json' % t)) as f:
        logs.append([json.loads(l) for l in f if l.strip()])
with open(os.path.join(d, 'log', 'results.json')) as f:
    results = f.read()
print(json.dumps({'chats': CAPTURED, 'logs': logs, 'results': results}))
`;
  return runClue<ClueMainResult>(
    { source, data, seed: opts.seed, max_len: opts.maxLen, max_model_len: opts.maxModelLen, responses: opts.responses },
    script,
  );
}
