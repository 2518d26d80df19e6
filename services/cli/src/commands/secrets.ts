/**
 * `clue secrets`: prints (or writes, mode 0600) the Kubernetes Secrets a deployment needs: TLS for
 * NATS and the coordinator, the NATS passwords and the API tokens (k8s-secrets.ts). It refuses to
 * print private keys to a terminal.
 */
import type { Argv } from 'yargs';
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { ClueError } from '@clue/tasks';
import { clusterSecrets } from '../k8s-secrets.js';
import { info } from '../output.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function registerSecrets(y: Argv): Argv {
  return y.command(
    'secrets',
    'Generate the Kubernetes Secrets of a deployment: CA, TLS certificates, NATS passwords, API tokens',
    (c) =>
      c
        .option('namespace', { type: 'string', default: 'clue', describe: 'namespace of the release' })
        .option('release', { type: 'string', default: 'clue', describe: 'Helm release name (kustomize: clue)' })
        .option('cluster-domain', { type: 'string', default: 'cluster.local', describe: "the cluster's DNS domain" })
        .option('days', { type: 'number', default: 365, describe: 'validity of the CA and certificates' })
        .option('out', { type: 'string', describe: 'write the manifests to FILE (mode 0600) instead of stdout' }),
    async (argv) => {
      for (const [flag, v] of [['--namespace', argv.namespace], ['--release', argv.release]] as const) {
        if (!DNS_LABEL.test(v)) throw new ClueError('INVALID_ARGUMENT', `${flag} '${v}' is not a Kubernetes name (lower-case letters, digits and '-', at most 63)`);
      }
      if (!Number.isInteger(argv.days) || argv.days < 1 || argv.days > 3650) throw new ClueError('INVALID_ARGUMENT', `--days must be a whole number from 1 to 3650, got ${argv.days}`);
      if (!argv.out && process.stdout.isTTY) {
        throw new ClueError('INVALID_ARGUMENT', 'refusing to print private keys and tokens to a terminal: use --out FILE, or pipe into kubectl apply -f -');
      }
      const secrets = await clusterSecrets({ namespace: argv.namespace, release: argv.release, clusterDomain: argv['cluster-domain'], days: argv.days });
      const text = secrets.map((s) => stringify(s)).join('---\n');
      if (argv.out) {
        writeFileSync(argv.out, text, { mode: 0o600 });
        info(`wrote ${secrets.length} Secrets (${secrets.map((s) => s.metadata.name).join(', ')}) to ${argv.out}; apply with kubectl apply -f ${argv.out}, then delete the file`);
      } else process.stdout.write(text);
    },
  );
}
