/**
 * `npm run docs:limits`: rewrites the generated part of docs/limits.md from the bounds table
 * (grpc/limits-doc.ts). Run it after changing grpc/limits.ts; a test fails while the doc is behind.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withLimits } from '../grpc/limits-doc.js';

const file = fileURLToPath(new URL('../../../../docs/limits.md', import.meta.url));
writeFileSync(file, withLimits(readFileSync(file, 'utf8')));
process.stdout.write(`wrote ${file}\n`);
