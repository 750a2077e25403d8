#!/bin/sh
# One core's rate through the eight-row decode kernels, from L2 and from memory beside a plain read loop
# (docs/performance.md). Needs `swift build -c release` first; AVX-512 VNNI machines only.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
objs="$here/.build/release/CRooflineKernels.build"
[ -d "$objs" ] || { echo "build first: swift build -c release" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
${CC:-clang} -O2 -mf16c -I"$here/Sources/CRooflineKernels/include" "$here/scripts/kernels/rows8_rates.c" "$objs"/*.o \
    -o "$out/rates" -lm -lpthread
"$out/rates"
# From memory, the K-quant and Q5_0 kernels on the shapes of the speed issue's files (rows8_stream.c).
${CC:-clang} -O2 -I"$here/Sources/CRooflineKernels/include" "$here/scripts/kernels/rows8_stream.c" "$objs"/*.o \
    -o "$out/stream" -lm -lpthread
for shape in "14 1536 151936" "12 1536 151936" "12 8960 30000" "6 896 200000"; do
    "$out/stream" $shape | tail -1
done
