/**
 * Who may do what on NATS: one user per role, each limited to the subjects and JetStream API calls it
 * needs (docs/security.md). This table is the single source: the test and local nats-server configs are
 * rendered from it, and the Helm chart's `files/nats-permissions.json` must equal it (a deploy test checks).
 *
 * - coordinator: owns the layout. It creates and updates streams, buckets and consumers, publishes units
 *   and dead letters, writes every KV bucket, reads and deletes result objects, and hears max-deliveries
 *   advisories. It gets no `$SYS` and nothing outside the CLUE names.
 * - worker: pulls and acknowledges units of the work stream, reads the runs/units buckets and the dataset
 *   store, writes result objects, and serves/asks the BERTScore scorers. It cannot create, update, delete
 *   or purge any stream (so neither the work stream nor an object store), cannot delete consumers of the
 *   work stream, and cannot publish to any `$KV` subject (the coordinator's entries). Replies come on its
 *   own inbox prefix, so it cannot read the coordinator's replies either.
 * The NATS exporter has no user: it reads the HTTP monitoring endpoint inside the NATS pod.
 */
import {
  BERTSCORE_SUBJECT,
  DEAD_SUBJECT_PREFIX,
  KV_CELLS,
  KV_IDEMPOTENCY,
  KV_RUNS,
  KV_UNITS,
  KV_WORKERS,
  OBJ_DATASETS,
  OBJ_RESULTS,
  UNITS_STREAM,
  UNITS_SUBJECT_PREFIX,
} from '../nats/names.js';

/** NATS users of the system. */
export type NatsRole = 'coordinator' | 'worker';
export const NATS_ROLES: readonly NatsRole[] = ['coordinator', 'worker'];

/** Inbox prefix of each role's requests (its replies arrive below it; see `inboxPrefix` of nats.js). */
export const NATS_INBOX_PREFIX: Readonly<Record<NatsRole, string>> = {
  coordinator: '_INBOX_clue_coordinator',
  worker: '_INBOX_clue_worker',
};

/** A `permissions` block of nats-server's configuration. */
export interface NatsPermissions {
  readonly publish: { readonly allow: readonly string[]; readonly deny?: readonly string[] };
  readonly subscribe: { readonly allow: readonly string[]; readonly deny?: readonly string[] };
}

const kvStream = (b: string): string => `KV_${b}`;
const objStream = (b: string): string => `OBJ_${b}`;
/** Read access to a KV bucket or object store's stream (info, direct and non-direct gets). */
const readStream = (stream: string): string[] => [
  `$JS.API.STREAM.INFO.${stream}`,
  `$JS.API.STREAM.MSG.GET.${stream}`,
  `$JS.API.DIRECT.GET.${stream}`,
  `$JS.API.DIRECT.GET.${stream}.>`,
];
/** Reading an object's chunks: an ordered consumer on the store's stream. */
const readObjects = (store: string): string[] => [
  ...readStream(objStream(store)),
  `$JS.API.CONSUMER.CREATE.${objStream(store)}`,
  `$JS.API.CONSUMER.CREATE.${objStream(store)}.>`,
  `$JS.API.CONSUMER.INFO.${objStream(store)}.*`,
  `$JS.API.CONSUMER.DELETE.${objStream(store)}.*`,
  `$JS.API.CONSUMER.MSG.NEXT.${objStream(store)}.*`,
  `$JS.FC.${objStream(store)}.>`,
];

/** The permissions of every role. */
export const NATS_PERMISSIONS: Readonly<Record<NatsRole, NatsPermissions>> = {
  coordinator: {
    publish: {
      allow: [
        '$JS.API.>',
        '$JS.ACK.>',
        '$JS.FC.>',
        ...[KV_RUNS, KV_UNITS, KV_CELLS, KV_WORKERS, KV_IDEMPOTENCY].map((b) => `$KV.${b}.>`),
        ...[OBJ_RESULTS, OBJ_DATASETS].map((s) => `$O.${s}.>`),
        `${UNITS_SUBJECT_PREFIX}.>`,
        `${DEAD_SUBJECT_PREFIX}.>`,
      ],
    },
    subscribe: {
      allow: [`${NATS_INBOX_PREFIX.coordinator}.>`, '$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.>'],
    },
  },
  worker: {
    publish: {
      allow: [
        '$JS.API.INFO',
        `$JS.API.STREAM.INFO.${UNITS_STREAM}`,
        `$JS.API.CONSUMER.INFO.${UNITS_STREAM}.*`,
        `$JS.API.CONSUMER.MSG.NEXT.${UNITS_STREAM}.*`,
        `$JS.ACK.${UNITS_STREAM}.>`,
        ...readStream(kvStream(KV_UNITS)),
        ...readStream(kvStream(KV_RUNS)),
        ...readObjects(OBJ_DATASETS),
        ...readStream(objStream(OBJ_RESULTS)),
        `$O.${OBJ_RESULTS}.C.>`,
        `$O.${OBJ_RESULTS}.M.>`,
        BERTSCORE_SUBJECT,
        `${NATS_INBOX_PREFIX.worker}.>`,
      ],
      // Not needed given the allow list; spelled out so that a widened allow list cannot grant them.
      deny: [
        '$JS.API.STREAM.CREATE.>',
        '$JS.API.STREAM.UPDATE.>',
        '$JS.API.STREAM.DELETE.>',
        '$JS.API.STREAM.PURGE.>',
        '$JS.API.STREAM.MSG.DELETE.>',
        `$JS.API.CONSUMER.DELETE.${UNITS_STREAM}.>`,
        '$KV.>',
        `$O.${OBJ_DATASETS}.>`,
      ],
    },
    subscribe: {
      allow: [`${NATS_INBOX_PREFIX.worker}.>`, BERTSCORE_SUBJECT],
    },
  },
};

/** One user of the `authorization` block: name and password (or `$ENV_VAR` reference). */
export interface NatsUserEntry {
  readonly role: NatsRole;
  /** A literal password, or a `$NAME` variable nats-server resolves from its environment. */
  readonly password: string;
}

/**
 * The `authorization { users: [...] }` block of nats-server's configuration (JSON is valid NATS
 * config syntax). The user name is the role's name.
 */
export function natsAuthorizationBlock(users: readonly NatsUserEntry[]): string {
  const entries = users.map((u) => {
    const password = u.password.startsWith('$') ? u.password : JSON.stringify(u.password);
    return `    { user: "${u.role}", password: ${password}, permissions: ${JSON.stringify(NATS_PERMISSIONS[u.role])} }`;
  });
  return ['authorization {', '  users: [', ...entries, '  ]', '}'].join('\n');
}
