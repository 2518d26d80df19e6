/**
 * How `clue` reaches the coordinator: its address, TLS trust and the bearer token. The options are the
 * same on every command that talks to it:
 *   --coordinator HOST:PORT   (CLUE_COORDINATOR)
 *   --token-file FILE         (CLUE_TOKEN_FILE; or the token itself in CLUE_TOKEN)
 *   --tls-ca FILE             (CLUE_TLS_CA; default the system's roots)
 *   --tls-server-name NAME    (CLUE_TLS_SERVER_NAME; the name in the certificate, e.g. through a port-forward)
 * The token is never printed, not even in an error.
 */
import type { Argv } from 'yargs';
import { readTokenFile, TokenConfigError, type ClientTlsSettings } from '@clue/common';
import { ClueError } from '@clue/tasks';
import { CoordinatorClient, defaultCoordinator } from './grpc-client.js';

/** The connection options as yargs parsed them. */
export interface ConnectionArgs {
  coordinator: string;
  'token-file'?: string;
  'tls-ca'?: string;
  'tls-server-name'?: string;
}

/** Adds the connection options to a command. */
export function connectionOptions<T>(y: Argv<T>): Argv<T & ConnectionArgs> {
  const env = process.env;
  return y
    .option('coordinator', { type: 'string', default: defaultCoordinator(), describe: 'coordinator gRPC address (CLUE_COORDINATOR)' })
    .option('token-file', { type: 'string', describe: 'file holding the API token (CLUE_TOKEN_FILE, or the token in CLUE_TOKEN)' })
    .option('tls-ca', { type: 'string', describe: "PEM CA of the coordinator's certificate (CLUE_TLS_CA) [default: the system's roots]" })
    .option('tls-server-name', { type: 'string', describe: 'name to expect in the certificate (CLUE_TLS_SERVER_NAME)' })
    .default('token-file', env['CLUE_TOKEN_FILE'], '$CLUE_TOKEN_FILE')
    .default('tls-ca', env['CLUE_TLS_CA'], '$CLUE_TLS_CA')
    .default('tls-server-name', env['CLUE_TLS_SERVER_NAME'], '$CLUE_TLS_SERVER_NAME') as unknown as Argv<T & ConnectionArgs>;
}

/** TLS settings and token from the parsed options and the environment. @throws ClueError for an unreadable token file. */
export function clientAuth(a: ConnectionArgs, env: NodeJS.ProcessEnv = process.env): ClientTlsSettings {
  let token: string | null = null;
  if (a['token-file']) {
    try {
      token = readTokenFile(a['token-file']);
    } catch (e) {
      if (e instanceof TokenConfigError) throw new ClueError('INVALID_ARGUMENT', e.message);
      throw e;
    }
  } else if (env['CLUE_TOKEN']?.trim()) token = env['CLUE_TOKEN'].trim();
  return { caFile: a['tls-ca'] || null, token, serverName: a['tls-server-name'] || null };
}

/** A client of the coordinator the options name. */
export function openClient(a: ConnectionArgs): CoordinatorClient {
  return new CoordinatorClient(a.coordinator, clientAuth(a));
}

/** Runs `fn` with a client of the coordinator the options name, and closes it after. */
export async function withClient<T>(a: ConnectionArgs, fn: (c: CoordinatorClient) => Promise<T>): Promise<T> {
  const c = openClient(a);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}
