#!/usr/bin/env bash
# Installs what building mixgemm needs, where it is missing:
#   - Debian packages: cmake, g++, ninja, ccache, googletest (headers, library and source), python3-pip;
#   - CUTLASS/CuTe headers from the pinned PyPI wheel nvidia-cutlass==4.2.0.0 into .deps/python;
#   - where the CUDA toolkit has no cuobjdump / nvdisasm, the pinned PyPI wheels of both into
#     .deps/cudatools, so that the tests read the kernels' SASS on machines without a GPU too;
#   - a copy of the GoogleTest source in .deps/googletest, so machines without the Debian
#     package (the GPU machine has no package access) build it from source.
# Safe to run repeatedly; does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."
CUTLASS_VERSION=4.2.0.0
# The SASS tools: no 13.0 wheels exist; newer ones read CUDA 13.0's sm_90a code.
SASS_TOOLS_VERSION=13.5.37

need_apt=()
command -v cmake >/dev/null || need_apt+=(cmake)
command -v g++ >/dev/null || need_apt+=(g++)
command -v ninja >/dev/null || need_apt+=(ninja-build)
command -v ccache >/dev/null || need_apt+=(ccache)
[ -f /usr/include/gtest/gtest.h ] || need_apt+=(libgtest-dev)
[ -d /usr/src/googletest ] || need_apt+=(googletest)
python3 -m pip --version >/dev/null 2>&1 || need_apt+=(python3-pip)
# MIXGEMM_NO_INSTALL=1: a machine without package access that carries .deps/ (the GPU machine).
if [ ${#need_apt[@]} -gt 0 ] && [ "${MIXGEMM_NO_INSTALL:-0}" != 1 ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian packages: ${need_apt[*]}"
    # Machines without package access (the GPU machine) carry what they need instead.
    if ! { timeout 300 apt-get update -qq && DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq "${need_apt[@]}" >/dev/null; }; then
      echo "setup: could not install ${need_apt[*]}; continuing with what is here" >&2
    fi
  else
    echo "setup: missing ${need_apt[*]} and cannot apt-get install them here; continuing" >&2
  fi
fi

if [ ! -f .deps/python/cutlass_library/source/include/cute/tensor.hpp ] && [ "${MIXGEMM_NO_INSTALL:-0}" != 1 ]; then
  echo "setup: installing nvidia-cutlass==${CUTLASS_VERSION} headers into .deps/python"
  python3 -m pip install -q --no-deps --disable-pip-version-check --target .deps/python "nvidia-cutlass==${CUTLASS_VERSION}"
fi

if ! { command -v cuobjdump && command -v nvdisasm; } >/dev/null && [ ! -x .deps/cudatools/nvidia/cu13/bin/nvdisasm ] &&
  [ "${MIXGEMM_NO_INSTALL:-0}" != 1 ]; then
  echo "setup: installing cuobjdump and nvdisasm ${SASS_TOOLS_VERSION} into .deps/cudatools"
  if python3 -m pip install -q --no-deps --disable-pip-version-check --target .deps/cudatools \
      "nvidia-cuda-cuobjdump==${SASS_TOOLS_VERSION}" "nvidia-cuda-nvdisasm==${SASS_TOOLS_VERSION}"; then
    chmod +x .deps/cudatools/nvidia/cu13/bin/* 2>/dev/null || true
  else
    echo "setup: could not install the SASS tools; the tests will skip the SASS check" >&2
  fi
fi

if [ ! -f .deps/googletest/CMakeLists.txt ] && [ -d /usr/src/googletest ]; then
  mkdir -p .deps && cp -r /usr/src/googletest .deps/googletest
fi
echo "setup: done"
