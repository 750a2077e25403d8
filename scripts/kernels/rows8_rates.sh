#!/bin/sh
# One core's rate through the eight-row decode kernels, from L2 and from memory beside a plain read loop
# (docs/performance.md, session 8). Needs `swift build -c release` first; AVX-512 VNNI machines only.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
objs="$here/.build/release/CRooflineKernels.build"
[ -d "$objs" ] || { echo "build first: swift build -c release" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
${CC:-clang} -O2 -mf16c -I"$here/Sources/CRooflineKernels/include" "$here/scripts/kernels/rows8_rates.c" "$objs"/*.o \
    -o "$out/rates" -lm -lpthread
"$out/rates"
