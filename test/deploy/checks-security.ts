/**
 * Semantic checks of the secured setup (docs/deploy.md, "Credentials and TLS"):
 * - credentials: which keys of the four credential Secrets each container can read (mounted items, env
 *   secretKeyRefs), exactly what its role needs and nothing more, and that its CLUE_* variables point at them;
 * - NATS: client TLS, one user per role with the permissions of NATS_PERMISSIONS (@clue/common) and passwords from
 *   the nats-auth Secret, mutual TLS on the routes, and the monitoring port 8222 closed to other pods.
 * Each check returns the problems it found.
 */
import { isDeepStrictEqual } from 'node:util';
import { posix } from 'node:path';
import { NATS_PERMISSIONS, NATS_ROLES } from '@clue/common';
import type { K8sObject } from './render.js';
import type { Problem } from './checks-workloads.js';
import { at, commandLine, containers, podTemplates, rec, recs, selects, where, type ContainerRef, type Json } from './objects.js';

/** Names of the four credential Secrets. */
export interface SecretNames {
  readonly natsTls: string;
  readonly coordinatorTls: string;
  readonly natsAuth: string;
  readonly apiTokens: string;
}

/** The chart's default names for a fullname (release "clue" gives clue-nats-tls, ...). */
export function defaultSecretNames(fullname = 'clue'): SecretNames {
  return { natsTls: `${fullname}-nats-tls`, coordinatorTls: `${fullname}-coordinator-tls`, natsAuth: `${fullname}-nats-auth`, apiTokens: `${fullname}-api-tokens` };
}

/** The role of a container, from its image and command line. */
export type CredentialRole = 'coordinator' | 'worker' | 'nightly' | 'nats' | 'nats-exporter' | 'other';

export function credentialRole(c: ContainerRef): CredentialRole {
  const line = commandLine(c.container);
  const image = String(c.container['image'] ?? '');
  if (/coordinator\/dist\/main\.js/.test(line)) return 'coordinator';
  if (/worker\/dist\/main\.js/.test(line)) return 'worker';
  if (/\bclue submit\b/.test(line)) return 'nightly';
  if (/(^|\/)nats:/.test(image)) return 'nats';
  if (/prometheus-nats-exporter:/.test(image)) return 'nats-exporter';
  return 'other';
}

/** `secret:key` of every credential each role may read, exactly. */
export function expectedAccess(n: SecretNames): Readonly<Record<CredentialRole, readonly string[]>> {
  return {
    coordinator: [`${n.natsAuth}:coordinator-password`, `${n.natsTls}:ca.crt`, `${n.coordinatorTls}:tls.crt`, `${n.coordinatorTls}:tls.key`, `${n.apiTokens}:reader`, `${n.apiTokens}:operator`, `${n.apiTokens}:worker`],
    worker: [`${n.natsAuth}:worker-password`, `${n.natsTls}:ca.crt`, `${n.coordinatorTls}:ca.crt`, `${n.apiTokens}:worker`],
    nightly: [`${n.apiTokens}:operator`, `${n.coordinatorTls}:ca.crt`],
    nats: [`${n.natsTls}:tls.crt`, `${n.natsTls}:tls.key`, `${n.natsTls}:ca.crt`, `${n.natsAuth}:coordinator-password`, `${n.natsAuth}:worker-password`],
    'nats-exporter': [],
    other: [],
  };
}

/** A file a container sees from a Secret volume: its path and the Secret key behind it. */
export interface SecretFile {
  readonly path: string;
  readonly secret: string;
  readonly key: string;
  readonly mode: number | undefined;
}

/** Every file of a Secret volume mounted in the container; a volume without `items` shows as key `*` (the whole Secret). */
export function secretFiles(c: ContainerRef): SecretFile[] {
  const out: SecretFile[] = [];
  const volumes = new Map(recs(c.pod.spec['volumes']).map((v) => [String(v['name']), v]));
  for (const m of recs(c.container['volumeMounts'])) {
    const v = volumes.get(String(m['name']));
    const sources: Json[] = [];
    if (v?.['secret'] !== undefined) sources.push({ ...rec(v['secret']), name: at(v, 'secret.secretName') });
    for (const s of recs(at(v, 'projected.sources'))) if (s['secret'] !== undefined) sources.push({ ...rec(s['secret']), defaultMode: at(v, 'projected.defaultMode') });
    for (const s of sources) {
      const secret = String(s['name']);
      const items = recs(s['items']);
      const defaultMode = typeof s['defaultMode'] === 'number' ? s['defaultMode'] : undefined;
      const files = items.length === 0
        ? [{ path: '*', key: '*', mode: defaultMode }]
        : items.map((i) => ({ path: String(i['path']), key: String(i['key']), mode: typeof i['mode'] === 'number' ? i['mode'] : defaultMode }));
      for (const f of files) {
        const sub = typeof m['subPath'] === 'string' ? m['subPath'] : '';
        if (sub !== '' && f.path !== sub && f.path !== '*') continue;
        const path = sub !== '' ? String(m['mountPath']) : posix.join(String(m['mountPath']), f.path);
        out.push({ path, secret, key: f.key, mode: f.mode });
      }
    }
  }
  return out;
}

/** `secret:key` of everything the container can read from Secrets: mounted files and env (secretKeyRef, envFrom). */
export function secretAccess(c: ContainerRef): string[] {
  const access = secretFiles(c).map((f) => `${f.secret}:${f.key}`);
  for (const e of recs(c.container['env'])) {
    const ref = rec(at(e, 'valueFrom.secretKeyRef'));
    if (ref['name'] !== undefined) access.push(`${String(ref['name'])}:${String(ref['key'])}`);
  }
  for (const e of recs(c.container['envFrom'])) if (at(e, 'secretRef.name') !== undefined) access.push(`${String(at(e, 'secretRef.name'))}:*`);
  return [...new Set(access)].sort();
}

/** What a CLUE_* variable of a role must be: a literal, a file of a Secret key, or a directory of Secret keys. */
type EnvRule = { literal: string } | { file: string } | { dir: string; keys: readonly string[] };

/** The environment contract of services/ (coordinator, worker, `clue submit`). */
export function envContract(n: SecretNames): Readonly<Partial<Record<CredentialRole, Readonly<Record<string, EnvRule>>>>> {
  return {
    coordinator: {
      CLUE_NATS_USER: { literal: 'coordinator' },
      CLUE_NATS_PASSWORD_FILE: { file: `${n.natsAuth}:coordinator-password` },
      CLUE_NATS_CA: { file: `${n.natsTls}:ca.crt` },
      CLUE_TLS_CERT: { file: `${n.coordinatorTls}:tls.crt` },
      CLUE_TLS_KEY: { file: `${n.coordinatorTls}:tls.key` },
      CLUE_TOKENS_DIR: { dir: n.apiTokens, keys: ['reader', 'operator', 'worker'] },
    },
    worker: {
      CLUE_NATS_USER: { literal: 'worker' },
      CLUE_NATS_PASSWORD_FILE: { file: `${n.natsAuth}:worker-password` },
      CLUE_NATS_CA: { file: `${n.natsTls}:ca.crt` },
      CLUE_TLS_CA: { file: `${n.coordinatorTls}:ca.crt` },
      CLUE_TOKEN_FILE: { file: `${n.apiTokens}:worker` },
    },
    nightly: {
      CLUE_TOKEN_FILE: { file: `${n.apiTokens}:operator` },
      CLUE_TLS_CA: { file: `${n.coordinatorTls}:ca.crt` },
    },
  };
}

/** Flags that would override the environment above (the env check would not see them). */
const SECURITY_FLAGS = ['nats-user', 'nats-password-file', 'nats-ca', 'tls-cert', 'tls-key', 'tokens-dir', 'tls-ca', 'tls-server-name', 'token-file', 'token'];

/** The Secret key behind a file path the container sees, or undefined. */
function fileAt(files: readonly SecretFile[], path: string): SecretFile | undefined {
  return files.find((f) => f.path === posix.normalize(path));
}

/**
 * Every container reads exactly the credentials of its role (no private key in a client, only its own token and
 * password), from Secret volumes that list their items and are not readable by others (mode & 0o007 = 0), and its
 * CLUE_* variables point at those files.
 */
export function checkCredentials(objects: readonly K8sObject[], names: SecretNames = defaultSecretNames()): Problem[] {
  const problems: Problem[] = [];
  const credentialSecrets = new Set(Object.values(names));
  const expected = expectedAccess(names);
  const contract = envContract(names);
  const seen = new Set<CredentialRole>();
  for (const c of containers(podTemplates(objects))) {
    const w = where(c);
    const add = (problem: string): void => void problems.push({ where: w, problem });
    const role = c.init ? 'other' : credentialRole(c);
    seen.add(role);
    const have = secretAccess(c).filter((a) => credentialSecrets.has(a.slice(0, a.indexOf(':'))));
    const want = [...expected[role]].sort();
    for (const a of have) if (!want.includes(a)) add(`reads ${a}, which a ${role} container must not${a.endsWith(':*') ? ' (a whole Secret: list the items)' : ''}`);
    for (const a of want) if (!have.includes(a)) add(`does not get ${a}, which a ${role} needs`);
    const files = secretFiles(c);
    for (const f of files) if (f.mode !== undefined && (f.mode & 0o007) !== 0) add(`${f.path} (Secret ${f.secret}) is readable by others (mode ${f.mode.toString(8)})`);
    const env = new Map(recs(c.container['env']).map((e) => [String(e['name']), e]));
    const line = commandLine(c.container);
    for (const flag of SECURITY_FLAGS) if (new RegExp(`(^|\\s)--${flag}(=|\\s|$)`).test(line)) add(`--${flag} on the command line overrides the environment`);
    for (const [name, rule] of Object.entries(contract[role] ?? {})) {
      const e = env.get(name);
      // CLUE_NATS_PASSWORD from a secretKeyRef is the other form the services accept.
      if (e === undefined && name === 'CLUE_NATS_PASSWORD_FILE' && 'file' in rule && env.has('CLUE_NATS_PASSWORD')) {
        const ref = rec(at(env.get('CLUE_NATS_PASSWORD'), 'valueFrom.secretKeyRef'));
        if (`${String(ref['name'])}:${String(ref['key'])}` !== rule.file) add(`CLUE_NATS_PASSWORD does not come from ${rule.file}`);
        continue;
      }
      const value = e?.['value'];
      if (typeof value !== 'string') {
        add(`${name} is not set (${'literal' in rule ? rule.literal : 'file' in rule ? `the file of ${rule.file}` : `the directory of ${rule.dir}`})`);
        continue;
      }
      if ('literal' in rule) {
        if (value !== rule.literal) add(`${name} is '${value}', not '${rule.literal}'`);
      } else if ('file' in rule) {
        const f = fileAt(files, value);
        if (!f) add(`${name}=${value} is not a file of a mounted Secret`);
        else if (`${f.secret}:${f.key}` !== rule.file) add(`${name}=${value} is ${f.secret}:${f.key}, not ${rule.file}`);
      } else {
        for (const key of rule.keys) {
          const f = fileAt(files, posix.join(value, key));
          if (!f || f.secret !== rule.dir || f.key !== key) add(`${name}=${value} has no file ${key} of Secret ${rule.dir}`);
        }
      }
    }
  }
  for (const role of ['coordinator', 'worker', 'nats'] as const) if (!seen.has(role)) problems.push({ where: 'rendering', problem: `no ${role} container` });
  return problems;
}

/**
 * The balanced `{ ... }` body after the first `name {` that starts a line (`topOnly`: at column 0, i.e. a top-level
 * block of the rendered config), or undefined. Quoted strings and comments are skipped.
 */
export function confBlock(text: string, name: string, topOnly = false): { body: string; start: number } | undefined {
  const m = new RegExp(`^${topOnly ? '' : '[ \\t]*'}${name}\\s*\\{`, 'm').exec(text);
  if (!m) return undefined;
  let depth = 0;
  let quoted = false;
  const open = m.index + m[0].length - 1;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '#') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
    } else if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) return { body: text.slice(open + 1, i), start: m.index };
  }
  return undefined;
}

/** The text without its nested `{ ... }` blocks (what is at the top level of a block). */
function topLevel(text: string): string {
  let out = '';
  let depth = 0;
  for (const ch of text) {
    if (ch === '{') depth++;
    else if (ch === '}') depth--;
    else if (depth === 0) out += ch;
  }
  return out;
}

/** `key: value` pairs of a flat block (quotes removed). */
export function confValues(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of topLevel(body).matchAll(/^\s*([A-Za-z_]+)\s*[:=]\s*(.+?)\s*$/gm)) out[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1');
  return out;
}

/** A user of the `authorization` block as rendered by the chart: `{ user: "...", password: ..., permissions: {...} }` per line. */
export interface ConfUser {
  readonly user: string;
  readonly password: string;
  readonly permissions: unknown;
}

/** The users of the config's `authorization` block. @throws Error when a permissions object is not JSON. */
export function confUsers(conf: string): ConfUser[] | undefined {
  const auth = confBlock(conf, 'authorization', true);
  if (!auth) return undefined;
  const users: ConfUser[] = [];
  for (const m of auth.body.matchAll(/^\s*\{\s*user:\s*"([^"]*)",\s*password:\s*([^,]+?),\s*permissions:\s*(\{.*\})\s*\}\s*,?\s*$/gm)) {
    users.push({ user: m[1]!, password: m[2]!, permissions: JSON.parse(m[3]!) as unknown });
  }
  return users;
}

/** The NATS pod template and its server container. */
function natsServer(objects: readonly K8sObject[]): ContainerRef | undefined {
  return containers(podTemplates(objects)).find((c) => !c.init && credentialRole(c) === 'nats');
}

/** The rendered nats.conf. */
export function renderedNatsConf(objects: readonly K8sObject[]): string | undefined {
  return objects.filter((o) => o.kind === 'ConfigMap').map((o) => rec(o['data'])['nats.conf']).find((t): t is string => typeof t === 'string');
}

/**
 * nats.conf: client TLS with the mounted server certificate (no client certificates required), an `authorization`
 * block with exactly the users coordinator and worker, each with the permissions of NATS_PERMISSIONS and a password
 * `$VAR` that the NATS container takes from the nats-auth Secret; with more than one replica, routes over mutual
 * TLS (verify: true). No NetworkPolicy admits the HTTP monitoring port 8222 from other pods.
 */
export function checkNatsSecurity(objects: readonly K8sObject[], names: SecretNames = defaultSecretNames()): Problem[] {
  const problems: Problem[] = [];
  const server = natsServer(objects);
  const conf = renderedNatsConf(objects);
  if (!server || conf === undefined) return [{ where: 'rendering', problem: 'no NATS server container or no nats.conf' }];
  const add = (problem: string): void => void problems.push({ where: 'nats.conf', problem });
  const files = secretFiles(server);
  const checkTls = (what: string, body: string | undefined, verify: boolean): void => {
    if (body === undefined) return add(`no ${what} tls { } block`);
    const v = confValues(body);
    for (const [field, key] of [['cert_file', 'tls.crt'], ['key_file', 'tls.key'], ['ca_file', 'ca.crt']] as const) {
      const f = v[field] === undefined ? undefined : fileAt(files, v[field]);
      if (!f || f.secret !== names.natsTls || f.key !== key) add(`${what} tls ${field} ${String(v[field])} is not ${names.natsTls}:${key} as mounted in the NATS container`);
    }
    if (v['timeout'] === undefined) add(`${what} tls has no timeout`);
    if (verify && v['verify'] !== 'true') add(`${what} tls does not verify the peer's certificate (verify: true)`);
    if (!verify && v['verify'] === 'true') add(`${what} tls requires client certificates, which the clients do not have`);
  };
  // The client block is the top-level tls { } (the route block is indented inside cluster { }).
  checkTls('client', confBlock(conf, 'tls', true)?.body, false);
  if (/\\u[0-9a-fA-F]{4}/.test(conf)) add('contains a \\u escape, which nats.conf strings do not have (use toRawJson, not toJson)');
  const users = confUsers(conf);
  if (!users) add('no authorization block');
  else {
    const found = users.map((u) => u.user).sort();
    if (!isDeepStrictEqual(found, [...NATS_ROLES].sort())) add(`authorization users are [${found.join(', ')}], not [${[...NATS_ROLES].sort().join(', ')}]`);
    const env = new Map(recs(server.container['env']).map((e) => [String(e['name']), e]));
    for (const u of users) {
      const role = NATS_ROLES.find((r) => r === u.user);
      if (!role) continue;
      if (!isDeepStrictEqual(u.permissions, NATS_PERMISSIONS[role])) add(`the permissions of ${u.user} differ from NATS_PERMISSIONS.${role} (@clue/common)`);
      const variable = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(u.password)?.[1];
      if (!variable) {
        add(`the password of ${u.user} is not a $VARIABLE (a literal password would be in the ConfigMap)`);
        continue;
      }
      const ref = rec(at(env.get(variable), 'valueFrom.secretKeyRef'));
      if (ref['name'] !== names.natsAuth || ref['key'] !== `${role}-password`) add(`$${variable} (password of ${u.user}) does not come from ${names.natsAuth}:${role}-password in the NATS container`);
    }
  }
  const replicas = Number(at(server.pod.owner, 'spec.replicas') ?? 1);
  const cluster = confBlock(conf, 'cluster', true);
  if (replicas > 1) {
    if (!cluster) add(`${replicas} replicas but no cluster { } block`);
    else checkTls('route', confBlock(cluster.body, 'tls')?.body, true);
  }
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy' && selects(at(o, 'spec.podSelector.matchLabels'), server.pod.labels));
  for (const p of policies) {
    for (const r of recs(at(p, 'spec.ingress'))) {
      const ports = recs(r['ports']);
      if (ports.length === 0 || ports.some((x) => x['port'] === 8222 || x['port'] === 'monitor')) {
        problems.push({ where: `NetworkPolicy/${p.metadata.name}`, problem: 'admits the NATS monitoring port 8222 (probes come from the node, the exporter reads localhost)' });
      }
    }
  }
  return problems;
}
