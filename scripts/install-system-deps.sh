#!/usr/bin/env bash
# Installs the system packages the tests need on Debian/Ubuntu, only when missing.
# python3: tests compare our Python-compatible code against Python itself.
set -euo pipefail

need=()
command -v python3 >/dev/null 2>&1 || need+=(python3)

if [ ${#need[@]} -eq 0 ]; then
  echo "system dependencies present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
