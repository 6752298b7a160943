#!/usr/bin/env bash
# How fast the cachet command starts and reads, as a person runs it: each command a fresh process,
# RUNS times (default 5), the median shown, in three modes:
#   cold   java -jar cli/target/cachet.jar, no archive, default JIT and GC (what main had)
#   cds    ./cachet: the class-data-sharing archive, and C1 + serial GC for commands that move no bulk
#   agent  ./cachet with 'cachet agent' running and the identity added (no passphrase, warm JVM)
# against a fresh devnet in a temporary CACHET_HOME. The 256 MiB get is also set against the warm
# SDK's rate measured in the same run (io.cachet.bench.WarmGetRate: one JVM, the same blob read
# ROUNDS times). Targets (issue 14): 0.4 s for a command that needs no key, 1.2 s for a 1 KiB get
# with unlock, 0.5 of the warm rate for a 256 MiB get.
#
# Usage: bench/cli-timing.sh [RUNS]     (env: BIG_MIB=256, ROUNDS=10, KEEP=1 keeps the home)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${1:-5}"
big_mib="${BIG_MIB:-256}"
rounds="${ROUNDS:-10}"
jar="$root/cli/target/cachet.jar"
bench_jar="$root/bench/target/benchmarks.jar"

work="$(mktemp -d "${TMPDIR:-/tmp}/cachet-timing.XXXXXX")"
export CACHET_HOME="$work/home"
unset CACHET_PASSPHRASE CACHET_NO_AGENT CACHET_NO_CDS || true
pass="$work/pass.txt"
echo "a passphrase for the timing run" > "$pass"
cleanup() {
  "$root/cachet" agent stop >/dev/null 2>&1 || true
  "$root/cachet" devnet down >/dev/null 2>&1 || true
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
trap "exit 130" INT TERM

say() { echo "cli-timing: $*" >&2; }

"$root/cachet" --version >/dev/null   # builds the jar and the archive if needed
if [ ! -f "$bench_jar" ] || [ "$jar" -nt "$bench_jar" ]; then
  say "building bench/target/benchmarks.jar"
  (cd "$root" && mvn -B -q ${MVN_FLAGS:-} -DskipTests -pl bench -am package >"$work/bench-build.log" 2>&1)
fi

say "starting a devnet in $CACHET_HOME"
"$root/cachet" devnet up >/dev/null
"$root/cachet" id new alice --passphrase-file "$pass" >/dev/null
policy="$("$root/cachet" policy create --passphrase-file "$pass")"
"$root/cachet" policy grant "$policy" alice --passphrase-file "$pass" >/dev/null
head -c 1024 /dev/urandom > "$work/small.bin"
head -c "$((big_mib * 1024 * 1024))" /dev/urandom > "$work/big.bin"
small="$("$root/cachet" put "$work/small.bin" --policy "$policy" --passphrase-file "$pass" 2>/dev/null)"
big="$("$root/cachet" put "$work/big.bin" --policy "$policy" --passphrase-file "$pass" 2>/dev/null)"
rm -f "$work/big.bin"
has_ls=0
"$root/cachet" --help 2>/dev/null | grep -qE "^ +ls " && has_ls=1

now_ns() { date +%s%N; }

# median of the seconds a command takes, over $runs fresh runs; its output is thrown away
median() {
  local times=() i t0 t1
  for ((i = 0; i < runs; i++)); do
    t0=$(now_ns)
    if ! "$@" >/dev/null 2>"$work/last.err"; then
      say "failed: $*"; cat "$work/last.err" >&2; echo "fail"; return
    fi
    t1=$(now_ns)
    times+=("$(( (t1 - t0) / 1000000 ))")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.2f", m / 1000}'
}

cold() { java -jar "$jar" "$@"; }
script() { "$root/cachet" "$@"; }

declare -A result
measure_mode() {
  local mode="$1" run="$2" pw=(--passphrase-file "$pass")
  [ "$mode" = agent ] && pw=()
  result[$mode,help]=$(median $run --help)
  result[$mode,idlist]=$(median $run id list)
  result[$mode,show]=$(median $run policy show "$policy" "${pw[@]}")
  if [ "$has_ls" = 1 ]; then result[$mode,ls]=$(median $run ls); else result[$mode,ls]="n/a"; fi
  result[$mode,get1k]=$(median $run get "$small" -o "$work/out-small.bin" "${pw[@]}")
  result[$mode,get256]=$(median $run get "$big" -o "$work/out-big.bin" "${pw[@]}")
  rm -f "$work/out-big.bin"
}

say "cold: $runs runs of each command"
measure_mode cold cold
say "cds: $runs runs of each command"
measure_mode cds script
say "agent: $runs runs of each command"
"$root/cachet" agent start >/dev/null
"$root/cachet" agent add alice --passphrase-file "$pass" >/dev/null
measure_mode agent script
"$root/cachet" agent stop >/dev/null

say "the warm SDK: $rounds reads of the same blob in one JVM"
warm=$(java -Xmx512m -cp "$bench_jar" io.cachet.bench.WarmGetRate "$CACHET_HOME/devnet/cachet-network.json" \
  "$CACHET_HOME/ids/alice.json" "$pass" "$big" "$rounds" 2>"$work/warm.log" | awk '/warm-rate-MBps/ {print $2}')

rate() { # MB/s of the big get from its seconds
  [ "$1" = fail ] && { echo fail; return; }
  awk -v s="$1" -v mib="$big_mib" 'BEGIN {printf "%.0f", mib * 1048576 / 1e6 / s}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "fail" || b == "" || b == 0) print "-"; else printf "%.2f", a / b}'; }

echo
echo "cachet CLI timing, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $runs runs, medians (s)"
echo
echo "| command | target | cold | cds | agent | cds / cold | agent / cold |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
row() {
  echo "| $1 | $2 | ${result[cold,$3]} | ${result[cds,$3]} | ${result[agent,$3]} | $(ratio "${result[cds,$3]}" "${result[cold,$3]}") | $(ratio "${result[agent,$3]}" "${result[cold,$3]}") |"
}
row '`--help`' '0.4 s' help
row '`id list`' '0.4 s' idlist
row '`policy show`' '0.4 s' show
row '`ls`' '0.4 s' ls
row '1 KiB `get`, unlock included' '1.2 s' get1k
row "${big_mib} MiB \`get\`" '-' get256
echo
for m in cold cds agent; do
  r=$(rate "${result[$m,get256]}")
  echo "$m: ${big_mib} MiB get at $r MB/s = $(ratio "$r" "$warm") of the warm SDK's $warm MB/s (target 0.5)"
done
