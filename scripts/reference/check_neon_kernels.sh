#!/bin/sh
# Checks Sources/CRooflineKernels/kernels_neon.c against the scalar reference kernels under SIMDe's NEON
# emulation, so the arm64 kernels are exercised on an x86 machine too (on arm64 the test suite runs them).
# Usage: scripts/reference/check_neon_kernels.sh /path/to/simde-checkout   (github.com/simd-everywhere/simde,
# outside this repository; nothing from it is committed)
set -eu
simde=${1:?usage: $0 /path/to/simde-checkout}
here=$(cd "$(dirname "$0")/../.." && pwd)
src="$here/Sources/CRooflineKernels"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# The whole kernel library, as SwiftPM builds it, plus the NEON kernels (compiled in by RF_NEON_SIMDE). On x86,
# -mfma lets SIMDe emulate NEON's fused multiply-add with a fused one (its portable fallback rounds twice).
fma=""
case $(uname -m) in x86_64|amd64) fma="-mfma" ;; esac
${CC:-clang} -O2 -std=gnu11 $fma -DRF_NEON_SIMDE -I"$simde" -I"$src" -I"$src/include" \
   "$here/scripts/reference/check_neon_kernels.c" "$src"/*.c -o "$out/check" -lm -lpthread
"$out/check"
