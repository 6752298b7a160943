#!/usr/bin/env bash
# How fast the cachet command starts and reads, as a person runs it: each command a fresh process,
# RUNS times (default 5), the median shown, in three modes taken in turn (so all see the same load):
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

# The modes run in turn for each run of a command (cold, cds, agent, cold, ...), so that all three
# see the same load on a shared machine. cold and cds set CACHET_NO_AGENT, so the agent (running
# throughout) is not used by them.
run_mode() {
  local mode="$1"; shift
  case "$mode" in
    cold) CACHET_NO_AGENT=1 java -jar "$jar" "$@" ;;
    cds) CACHET_NO_AGENT=1 "$root/cachet" "$@" ;;
    agent) "$root/cachet" "$@" ;;
  esac
}

median_of() { # seconds, from milliseconds on stdin
  sort -n | awk '{a[NR]=$1} END {if (NR == 0) {print "fail"; exit} m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.2f", m / 1000}'
}

declare -A result
# measure KEY NEEDS_KEY ARGS...: $runs runs of each mode; with NEEDS_KEY=1 the cold and cds runs
# read the passphrase file, the agent's use the identity it holds
measure() {
  local key="$1" needs="$2"; shift 2
  local i mode t0 t1 extra
  declare -A ms=([cold]="" [cds]="" [agent]="")
  for ((i = 0; i < runs; i++)); do
    for mode in cold cds agent; do
      extra=()
      [ "$needs" = 1 ] && [ "$mode" != agent ] && extra=(--passphrase-file "$pass")
      t0=$(now_ns)
      if run_mode "$mode" "$@" "${extra[@]}" >/dev/null 2>"$work/last.err"; then
        t1=$(now_ns)
        ms[$mode]+="$(( (t1 - t0) / 1000000 ))"$'\n'
      else
        say "failed ($mode): $*"; head -3 "$work/last.err" >&2
      fi
    done
  done
  for mode in cold cds agent; do
    result[$mode,$key]=$(printf '%s' "${ms[$mode]}" | grep . | median_of)
  done
}

say "starting the agent, holding alice"
"$root/cachet" agent start >/dev/null
"$root/cachet" agent add alice --passphrase-file "$pass" >/dev/null

say "$runs runs of each command in each mode"
measure help 0 --help
measure idlist 0 id list
measure show 1 policy show "$policy"
if [ "$has_ls" = 1 ]; then measure ls 0 ls; else for m in cold cds agent; do result[$m,ls]="n/a"; done; fi
measure get1k 1 get "$small" -o "$work/out-small.bin"
measure get256 1 get "$big" -o "$work/out-big.bin"
rm -f "$work/out-big.bin"
"$root/cachet" agent stop >/dev/null

say "the warm SDK: $rounds reads of the same blob in one JVM"
warm=$(java -Xmx512m -cp "$bench_jar" io.cachet.bench.WarmGetRate "$CACHET_HOME/devnet/cachet-network.json" \
  "$CACHET_HOME/ids/alice.json" "$pass" "$big" "$rounds" 2>"$work/warm.log" | awk '/warm-rate-MBps/ {print $2}')

rate() { # MB/s of the big get from its seconds
  case "$1" in fail|n/a|"") echo fail; return ;; esac
  awk -v s="$1" -v mib="$big_mib" 'BEGIN {printf "%.0f", mib * 1048576 / 1e6 / s}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b == 0) print "-"; else printf "%.2f", a / b}'; }

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
