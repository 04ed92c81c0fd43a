#!/usr/bin/env bash
# The test command: installs what is missing, builds everything (library, every kernel, the
# bench, both test suites) and runs the tests through ctest. Without an sm_90 GPU the GPU tests
# report as skipped. Usage: scripts/test.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
scripts/setup.sh
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
cmake -S . -B "$BUILD" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release "${launcher[@]}"
# ptxas -v reports go into the build log, which scripts/check_ptxas.py reads.
echo "test: building (log: $BUILD/build.log)"
if ! cmake --build "$BUILD" -j "$(nproc)" >"$BUILD/build.log" 2>&1; then
  grep -E "error|Error" "$BUILD/build.log" | head -40
  echo "test: build failed; see $BUILD/build.log"
  exit 1
fi
python3 scripts/check_ptxas.py "$BUILD/build.log" --allow-empty
# The kernels' SASS (tensor-core MMAs of the right kind, no local memory), with the toolkit's
# cuobjdump / nvdisasm or the copies scripts/setup.sh installed.
[ -x .deps/cudatools/nvidia/cu13/bin/nvdisasm ] && export PATH="$PWD/.deps/cudatools/nvidia/cu13/bin:$PATH"
if command -v cuobjdump >/dev/null && command -v nvdisasm >/dev/null; then
  cuobjdump -sass "$BUILD/libmixgemm.a" >"$BUILD/sass.txt" 2>&1
  python3 scripts/check_sass.py "$BUILD/sass.txt"
else
  echo "test: no cuobjdump / nvdisasm here: SASS check skipped"
fi
cd "$BUILD" && ctest --output-on-failure -j "$(nproc)"
