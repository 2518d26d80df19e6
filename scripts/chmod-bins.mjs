// Marks every workspace's `bin` targets executable after `tsc -b` (tsc writes 0644 files, and npm
// links bins before `prepare` has built them).
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkgs = [root, ...JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces.map((w) => join(root, w))];
for (const dir of pkgs) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const bins = typeof pkg.bin === 'string' ? [pkg.bin] : Object.values(pkg.bin ?? {});
  for (const b of bins) {
    const p = join(dir, b);
    if (existsSync(p)) chmodSync(p, 0o755);
  }
}
