/**
 * Loads the `clue.v1` gRPC contracts from `proto/` at run time with @grpc/proto-loader (no generated
 * code to keep in sync). Longs become strings would be awkward for sample counts, so they become
 * numbers; enums are strings; defaults are filled in.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** Options shared by server and client so both see the same shapes. */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** The `proto/` directory: $CLUE_PROTO_DIR, else the repository's (walking up from this file). */
export function protoDir(): string {
  const env = process.env['CLUE_PROTO_DIR'];
  if (env) return env;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'proto', 'clue', 'v1');
    if (existsSync(candidate)) return join(dir, 'proto');
    const up = dirname(dir);
    if (up === dir) throw new Error('proto/clue/v1 not found; set CLUE_PROTO_DIR');
    dir = up;
  }
}

/** The loaded `clue.v1` package: service constructors and message types. */
export interface ClueProto {
  readonly Coordinator: grpc.ServiceClientConstructor;
  readonly WorkerApi: grpc.ServiceClientConstructor;
  readonly definition: protoLoader.PackageDefinition;
}

let cached: ClueProto | undefined;

/** Loads (once per process) the clue.v1 services. */
export function loadClueProto(): ClueProto {
  if (cached) return cached;
  const root = protoDir();
  const files = ['coordinator.proto', 'worker.proto'].map((f) => resolve(root, 'clue', 'v1', f));
  const definition = protoLoader.loadSync(files, { ...PROTO_LOADER_OPTIONS, includeDirs: [root] });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as { clue: { v1: Record<string, grpc.ServiceClientConstructor> } };
  cached = { Coordinator: pkg.clue.v1['Coordinator']!, WorkerApi: pkg.clue.v1['WorkerApi']!, definition };
  return cached;
}
