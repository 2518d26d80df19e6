#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages this project needs, only those missing; prints nothing when all
# are present. Called by scripts/setup.sh (the README's first command) and so by .ci/run.
#
#   runtime (`clue up`): nats-server — the JetStream server every pipeline test and `clue up` run against
#                        (Debian ships 2.9.10). Installed first, on its own: without it nothing runs.
#   tests (`npm test`):  python3 + Debian's python3-pandas/python3-openpyxl (our Python-compatible code and
#                        the XLSX reader are cross-checked against Python and pandas.read_excel) and
#                        python3-numpy (np.mean of float32 and a numpy port of bert_score's matching);
#                        prometheus + promtool (the observability test scrapes a local cluster, checks the
#                        alert rules); shellcheck (the image build script is linted); chromium (Debian's
#                        build: the report tests open the HTML report in a real headless browser, driven by
#                        puppeteer-core, which downloads no browser of its own; CLUE_CHROMIUM, when it names
#                        an executable, stands in for it).
#
# Usage: install-system-deps.sh [--strict]
#   --strict  a test package that cannot be installed is an error (CI); without it, a warning.
set -euo pipefail

strict=0
for a in "$@"; do
  case "$a" in
    --strict) strict=1 ;;
    -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install-system-deps.sh: unknown argument '$a' (see --help)" >&2; exit 2 ;;
  esac
done

have() { command -v "$1" >/dev/null 2>&1; }

runtime=()
have nats-server || runtime+=(nats-server)

tests=()
have python3 || tests+=(python3)
/usr/bin/python3 -c 'import pandas, openpyxl' >/dev/null 2>&1 || tests+=(python3-pandas python3-openpyxl)
/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1 || tests+=(python3-numpy)
{ have prometheus && have promtool; } || tests+=(prometheus)
have shellcheck || tests+=(shellcheck)
{ [ -n "${CLUE_CHROMIUM:-}" ] && [ -x "${CLUE_CHROMIUM}" ]; } || have chromium || tests+=(chromium)

[ ${#runtime[@]} -eq 0 ] && [ ${#tests[@]} -eq 0 ] && exit 0

if ! have apt-get; then
  echo "This machine has no apt-get, so these packages cannot be installed for you: ${runtime[*]} ${tests[*]}" >&2
  echo "Install them with your system's package manager (nats-server: https://docs.nats.io/running-a-nats-service/introduction/installation) and put them on PATH." >&2
  [ ${#runtime[@]} -eq 0 ] && [ $strict -eq 0 ] && exit 0
  exit 1
fi
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if ! have sudo; then
    echo "Installing ${runtime[*]} ${tests[*]} needs root, and sudo is not installed: run this script as root, or install the packages yourself." >&2
    exit 1
  fi
  SUDO=(sudo)
fi

updated=0
apt_install() {
  if [ $updated -eq 0 ]; then
    "${SUDO[@]}" apt-get update -qq >/dev/null
    updated=1
  fi
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if [ ${#runtime[@]} -gt 0 ]; then
  echo "installing ${runtime[*]} (apt-get)"
  if ! apt_install "${runtime[@]}" || ! have nats-server; then
    echo "Could not install nats-server with apt-get (see the messages above). clue up and the tests need it on PATH." >&2
    exit 1
  fi
fi
if [ ${#tests[@]} -gt 0 ]; then
  echo "installing the test tools ${tests[*]} (apt-get)"
  if ! apt_install "${tests[@]}"; then
    if [ $strict -eq 1 ]; then
      echo "Could not install ${tests[*]} with apt-get; npm test needs them." >&2
      exit 1
    fi
    echo "warning: could not install ${tests[*]}; clue up works without them, npm test does not." >&2
  fi
fi
