#!/usr/bin/env bash
# The README's first command (`bash scripts/setup.sh && npx clue up`): on a fresh clone on Debian/Ubuntu
# with only Node.js and npm, installs the missing system packages (install-system-deps.sh: nats-server
# first), the npm dependencies (npm ci, skipped while node_modules matches package-lock.json) and builds
# every package (tsc -b, incremental). Idempotent, and silent when everything is already in place.
# .ci/run calls it with --strict before `npm test`.
#
# Usage: setup.sh [--strict]   (--strict: every test tool must install too; see install-system-deps.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  "" | --strict) ;;
  -h | --help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "setup.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "setup.sh: Node.js and npm are needed (Node >= 20.19): https://nodejs.org/en/download" >&2
  exit 1
fi
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  echo "setup.sh: Node.js $(node --version) is too old; this project needs >= 20.19" >&2
  exit 1
fi

bash scripts/install-system-deps.sh "$@"

# npm ci wipes and reinstalls node_modules, so it runs only when node_modules was not installed from
# this package-lock.json (the stamp holds the lock file's hash of the last successful install).
stamp=node_modules/.clue-setup-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  echo "installing the npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error --ignore-scripts # the build below is the only script needed
  echo "$want" >"$stamp"
fi

npm run --silent build
