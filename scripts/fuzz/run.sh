#!/usr/bin/env bash
# Builds roofline-fuzz with libFuzzer and AddressSanitizer into .build-fuzz and runs fuzz targets, each for a
# time or a number of executions, from the committed seeds (Tests/Fixtures/fuzz/TARGET) plus what earlier runs
# found (.build-fuzz/fuzz/corpus/TARGET). Prints one line per target: executions, seconds, result; exits
# non-zero when any target crashed, leaked, timed out or ran out of memory (the input is kept under
# .build-fuzz/fuzz/crashes/TARGET/, the log under .build-fuzz/fuzz/logs/).
#
#   scripts/fuzz/run.sh [--time S] [--runs N] [--timeout S] [--rss MB] [--max-len BYTES] [--no-build] [TARGET...]
#
# Targets: gguf safetensors hf-import jinja tokenizer request (default: all). Each stops at --time seconds or
# --runs executions, whichever comes first (default --time 60); --timeout is the limit for one input (10 s),
# --rss the memory limit (2048 MB; one allocation above it is also a failure).
# Extra seeds that may not be committed (llama.cpp's model chat templates, the head of the default model) are
# used when `python3 scripts/fuzz/make_seeds.py --cache .build-fuzz/fuzz/seeds` has made them.
set -uo pipefail
cd "$(dirname "$0")/../.."

limit=()
timeout=10
rss=2048
build=1
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --time) limit+=(-max_total_time="$2"); shift 2 ;;
    --runs) limit+=(-runs="$2"); shift 2 ;;
    --timeout) timeout="$2"; shift 2 ;;
    --rss) rss="$2"; shift 2 ;;
    --max-len) limit+=(-max_len="$2"); shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -eq 0 ] && targets=(gguf safetensors hf-import jinja tokenizer request)
printf '%s\n' "${limit[@]}" | grep -qE '^-(max_total_time|runs)=' || limit+=(-max_total_time=60)

scratch=.build-fuzz
if [ "$build" = 1 ]; then
  # lld: gold fails on the libFuzzer link (an internal error in its DWARF reader).
  nice -n 10 swift build -c release --product roofline-fuzz --scratch-path "$scratch" \
    --toolset scripts/fuzz/toolset.json -Xswiftc -sanitize=fuzzer,address 2>&1 \
    | grep -vE '^warning: |unhandled; explicitly declare|CMakeLists.txt$' || true
fi
bin="$scratch/release/roofline-fuzz"
# Not directly under the scratch path: SwiftPM manages some of its folders (it empties `artifacts`).
state="$scratch/fuzz"
[ -x "$bin" ] || { echo "no $bin: the fuzz build failed" >&2; exit 1; }

# The targets write each input to a scratch file (the readers take paths): memory-backed when there is one.
[ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] && export TMPDIR=/dev/shm
export SWIFT_BACKTRACE=enable=no  # libFuzzer and ASan report crashes themselves
export LSAN_OPTIONS="suppressions=$PWD/scripts/fuzz/lsan.supp:print_suppressions=0"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"

status=0
summary=()
for t in "${targets[@]}"; do
  corpus="$state/corpus/$t"
  artifacts="$state/crashes/$t"
  mkdir -p "$corpus" "$artifacts" "$state/logs"
  dirs=("$corpus" "Tests/Fixtures/fuzz/$t")
  [ -d "$state/seeds/$t" ] && dirs+=("$state/seeds/$t")
  dict=()
  [ -f "scripts/fuzz/dict/$t.dict" ] && dict=(-dict="scripts/fuzz/dict/$t.dict")
  log="$state/logs/$t-$(date -u +%Y%m%dT%H%M%SZ).log"
  start=$(date +%s)
  nice -n 10 "$bin" "$t" "${limit[@]}" -timeout="$timeout" -rss_limit_mb="$rss" -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "${dict[@]}" "${dirs[@]}" >"$log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - start ))
  runs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$')
  [ -z "$runs" ] && runs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$')
  if [ "$rc" -eq 0 ]; then
    result=ok
  else
    status=1
    kind=$(grep -m1 -oE 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer): [a-zA-Z-]+( [a-z-]+)?' "$log" || echo "exit $rc")
    result="FAILED ($kind; input in $artifacts, log $log)"
    grep -E 'Fatal error|ERROR:|SUMMARY' "$log" | head -5 >&2
  fi
  line="$t: ${runs:-0} executions in ${secs} s, coverage ${cov:-?} edges, $result"
  echo "$line"
  summary+=("$line")
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "${runs:-0}" "$secs" "${cov:-}" "$result" >>"$state/results.tsv"
done
echo "--- roofline-fuzz $(git rev-parse --short HEAD 2>/dev/null) $(date -u +%FT%TZ)"
printf '%s\n' "${summary[@]}"
exit $status
