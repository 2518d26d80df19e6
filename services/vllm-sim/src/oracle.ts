/**
 * Oracle mode (`VLLM_SIM_ORACLE`): a JSONL file of `{"prompt_sha256": hex, "answer": gold}` lines.
 * A chat request whose messages hash to a known key is answered with the gold text, so end-to-end
 * scoring can be checked at 100%.
 *
 * Hash canonicalisation, exactly: `sha256_hex(JSON.stringify(messages.map(m => ({role: m.role, content: m.content}))))`
 * over the UTF-8 bytes, with the messages as they arrive in the request (key order role, content; no
 * other fields; JavaScript's JSON.stringify, i.e. no spaces and non-ASCII characters unescaped).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SimError } from './errors.js';

/** A message as hashed: role and content as received (content may be a string, parts array or null). */
export interface HashableMessage {
  readonly role: unknown;
  readonly content: unknown;
}

/** The oracle key of a messages array (see the module comment for the exact canonical form). */
export function promptSha256(messages: readonly HashableMessage[]): string {
  const canonical = JSON.stringify(messages.map((m) => ({ role: m.role, content: m.content })));
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

/**
 * Reads an oracle file into a map from hash to gold answer. Later lines win on duplicate keys.
 * @throws SimError `UNREADABLE_FILE` / `INVALID_ENV` naming the file and line.
 */
export function loadOracle(path: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SimError('UNREADABLE_FILE', `VLLM_SIM_ORACLE: cannot read ${path}: ${(e as Error).message}`);
  }
  const out = new Map<string, string>();
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `VLLM_SIM_ORACLE: ${path}, line ${i + 1}`;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (e) {
      throw new SimError('INVALID_ENV', `${where}: invalid JSON: ${(e as Error).message}`);
    }
    const rec = obj as Record<string, unknown> | null;
    const hash = rec?.['prompt_sha256'];
    const answer = rec?.['answer'];
    if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) {
      throw new SimError('INVALID_ENV', `${where}: field 'prompt_sha256' must be 64 lowercase hex digits`);
    }
    if (typeof answer !== 'string') throw new SimError('INVALID_ENV', `${where}: field 'answer' must be a string`);
    out.set(hash, answer);
  });
  return out;
}
