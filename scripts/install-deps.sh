#!/usr/bin/env bash
# install-deps.sh - make sure the Debian packages eddy builds and tests with are present.
# As root, missing packages are installed with apt-get; otherwise the exact command is printed
# and the script fails, so nothing is ever installed behind the user's back.
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --bench  also what the benchmarks need (the harness adds the peers)
set -euo pipefail

pkgs=(build-essential cmake ninja-build pkg-config libcriterion-dev
      clang libclang-rt-14-dev          # libFuzzer targets and sanitizer runtimes
      python3-twisted socat curl        # real peers for interoperability tests
      procps iproute2)
if [ "${1:-}" = "--bench" ]; then
    pkgs+=(util-linux)
fi

missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
    echo "install-deps: missing packages: ${missing[*]}" >&2
    echo "install-deps: run as root:  apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
fi
