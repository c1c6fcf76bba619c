#!/usr/bin/env bash
# Installs what building and testing lakesink needs on a Debian machine, and nothing
# that is already there. Usage: scripts/install-deps.sh [build|test|all]
#   build: compiler toolchain and -dev libraries
#   test:  build + cmocka, clang (fuzzing), kcat, and the npm packages in tests/interop
set -euo pipefail
what=${1:-all}
here=$(cd "$(dirname "$0")/.." && pwd)

build_pkgs=(build-essential cmake pkg-config librdkafka-dev libcurl4-openssl-dev libzstd-dev
  libsnappy-dev zlib1g-dev liblz4-dev libbrotli-dev libyaml-dev libmicrohttpd-dev libavro-dev
  libssl-dev)
test_pkgs=(libcmocka-dev clang libclang-rt-14-dev kcat nodejs npm python3)

want=("${build_pkgs[@]}")
if [ "$what" != build ]; then
  want+=("${test_pkgs[@]}")
fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    # node/npm may come from elsewhere than Debian's packages: accept a working binary
    case "$p" in
      nodejs) command -v node >/dev/null 2>&1 && continue ;;
      npm) command -v npm >/dev/null 2>&1 && continue ;;
      python3) command -v python3 >/dev/null 2>&1 && continue ;;
    esac
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo=sudo; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "$what" != build ]; then
  # moto_server (S3 emulator) and boto3 for the S3 tests; the S3 tests skip, saying so, if
  # neither is installed nor installable (no reachable package index)
  if ! command -v moto_server >/dev/null 2>&1 || ! python3 -c 'import boto3' 2>/dev/null; then
    echo "install-deps: pip install moto[server] boto3"
    python3 -m pip install --quiet 'moto[server]' boto3 >/dev/null 2>&1 ||
      echo "install-deps: could not install moto/boto3; S3 integration tests will be skipped"
  fi
  # DuckDB (the independent Parquet reader of the interop tests), pinned by the lock file
  if [ ! -d "$here/tests/interop/node_modules/@duckdb/node-api" ]; then
    echo "install-deps: npm install in tests/interop"
    (cd "$here/tests/interop" && npm install --no-audit --no-fund --silent >/dev/null)
  fi
fi
