#!/usr/bin/env node
// npm links a bin when it installs, before the build has made dist/; so the bin is this stub, which runs dist/main.js.
import('../dist/main.js').catch((e) => {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND') throw e;
  process.stderr.write(`${e.message}\nBuild first: bash scripts/setup.sh (or npm run build)\n`);
  process.exit(1);
});
