#!/usr/bin/env bash
# Installs the third-party runtimes the ONNX interop tests compare against (docs/onnx-model.md):
#   - Debian's python3-onnx (onnx.checker) and python3-opencv (OpenCV DNN), via apt-get;
#   - Debian's python3-torch (the PyTorch peer in benchmarks/peer and its architecture test), and
#     libopenblas0-pthread, which benchmarks/PeerComparison offers that peer through LD_LIBRARY_PATH;
#   - the npm package onnxruntime-node, into <repo>/.interop/node (never committed: the folder
#     carries its own .gitignore), where tests/Trainer.Tests/Export looks for it.
# Idempotent and quiet: what is already there is not fetched again. A missing tool is not an error
# here: the tests that need it skip with a reason, so this script always exits 0 and says what it
# could not install on standard error.
set -uo pipefail
cd "$(dirname "$0")/.."

interop="${KAPPAFACE_INTEROP_DIR:-$PWD/.interop}"
node_dir="$interop/node"
mkdir -p "$node_dir"
# Keep the downloaded node_modules out of git without touching the repository's .gitignore.
[ -f "$interop/.gitignore" ] || printf '*\n' > "$interop/.gitignore"

warn() { echo "install-interop: $*" >&2; }

# --- Debian packages -------------------------------------------------------------------------
python_ok() { /usr/bin/python3 -c "import onnx, cv2" >/dev/null 2>&1; }
if ! python_ok; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null 2>&1 || warn "apt-get update failed"
    apt-get install -y -qq --no-install-recommends python3-onnx python3-opencv >/dev/null 2>&1 \
      || warn "apt-get install python3-onnx python3-opencv failed"
  else
    warn "python3-onnx/python3-opencv missing and apt-get is not usable (need root); their tests will skip"
  fi
fi

# python3-torch is large (~1 GB with its dependencies), so it gets its own step: its failure must not
# cost the ONNX tools above. Installing libopenblas0-pthread makes it the system's default BLAS through
# Debian's alternatives; the peer benchmark also finds it by path, so resetting the alternative is harmless.
torch_ok() { /usr/bin/python3 -c "import torch" >/dev/null 2>&1; }
if ! torch_ok || [ ! -e /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null 2>&1 || warn "apt-get update failed"
    apt-get install -y -qq --no-install-recommends python3-torch libopenblas0-pthread >/dev/null 2>&1 \
      || warn "apt-get install python3-torch libopenblas0-pthread failed; the PyTorch peer test will skip"
  else
    warn "python3-torch missing and apt-get is not usable (need root); the PyTorch peer test will skip"
  fi
fi

# --- onnxruntime-node -------------------------------------------------------------------------
# The version is pinned here so every machine compares against the same runtime.
ort_node_version="1.30.0"
have_version() {
  node -e "process.exit(require('$node_dir/node_modules/onnxruntime-node/package.json').version === '$ort_node_version' ? 0 : 1)" \
    >/dev/null 2>&1
}
if command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1; then
  if ! have_version; then
    [ -f "$node_dir/package.json" ] || printf '{ "name": "kappaface-interop", "private": true }\n' > "$node_dir/package.json"
    # --ignore-scripts: the package ships its CPU binaries; its install script only fetches optional
    # GPU binaries from outside the npm registry, which this machine cannot reach.
    (cd "$node_dir" && npm install --silent --no-audit --no-fund --ignore-scripts \
        "onnxruntime-node@$ort_node_version" >/dev/null 2>&1) \
      || warn "npm install onnxruntime-node@$ort_node_version failed; its test will skip"
  fi
else
  warn "node/npm not found; the onnxruntime-node test will skip"
fi
exit 0
