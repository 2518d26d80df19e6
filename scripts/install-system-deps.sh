#!/usr/bin/env bash
# Installs the system packages the tests need on Debian/Ubuntu, only when missing.
# python3: tests compare our Python-compatible code against Python itself.
# python3-pandas + python3-openpyxl (Debian's): the XLSX reader is cross-checked against pandas.read_excel.
set -euo pipefail

need=()
command -v python3 >/dev/null 2>&1 || need+=(python3)
/usr/bin/python3 -c 'import pandas, openpyxl' >/dev/null 2>&1 || need+=(python3-pandas python3-openpyxl)
# nats-server: the JetStream server every pipeline test and `clue up` run against (Debian ships 2.9.10).
command -v nats-server >/dev/null 2>&1 || need+=(nats-server)
# prometheus (Debian's, with promtool): the observability test scrapes a local cluster and checks the alert rules.
{ command -v prometheus && command -v promtool; } >/dev/null 2>&1 || need+=(prometheus)
# The shellcheck linter: the image build script is linted.
command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck)

if [ ${#need[@]} -eq 0 ]; then
  echo "system dependencies present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
