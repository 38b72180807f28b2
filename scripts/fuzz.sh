#!/usr/bin/env bash
# Coverage-guided fuzzing of the file readers with afl-fuzz + SharpFuzz (docs/fuzzing.md). A bounded job, not part of
# the test suite:
#   scripts/fuzz.sh TARGET [SECONDS]     one of: jpeg png pnm mat npy npz safetensors pts (default 240 s)
#   scripts/fuzz.sh all [SECONDS]        every target in turn, SECONDS each
# Installs afl++ (Debian) and the sharpfuzz dotnet tool (dotnet-tools.json) when missing, builds fuzz/DenseFace.Fuzz
# in Release, instruments the reader's assembly (only the reader's namespaces), writes a seed corpus of small valid
# files, runs afl-fuzz for SECONDS and copies every crashing or hanging input to
# tests/DenseFace.Tests/Fuzz/Regressions/<target>/<target>-<hash> (FuzzRegressionTests replays them). Work files go
# to fuzz/out/<target>/ (ignored by git). Prints executions, corpus paths, edges and crashes per target, and appends
# them to fuzz/out/summary.tsv.
# Environment: FUZZ_TIMEOUT_MS (per input, default 3000), FUZZ_HEAP_LIMIT (GC hard limit per fuzzed process,
# default 0xC0000000 = 3 GiB: above the largest image the decoders accept, below runaway growth).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
targets=(jpeg png pnm mat npy npz safetensors pts)
target="${1:-}"; seconds="${2:-240}"
if [ -z "$target" ] || { [ "$target" != all ] && [[ ! " ${targets[*]} " =~ " $target " ]]; }; then
  echo "usage: scripts/fuzz.sh TARGET|all [SECONDS]   (targets: ${targets[*]})" >&2; exit 2
fi
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "fuzz.sh: SECONDS must be a whole number" >&2; exit 2; }

# --- tools (no-ops when present) ---
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
need=()
command -v afl-fuzz >/dev/null 2>&1 || need+=(afl++)
command -v cjpeg >/dev/null 2>&1 || need+=(libjpeg-turbo-progs) # progressive / restart / sampling JPEG seeds
if [ ${#need[@]} -gt 0 ]; then
  echo "fuzz.sh: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
dotnet tool restore >/dev/null # sharpfuzz (SharpFuzz.CommandLine, pinned in dotnet-tools.json)

# --- build once ---
dotnet build fuzz/DenseFace.Fuzz/DenseFace.Fuzz.csproj -c Release --nologo -v q >/dev/null
build="$root/fuzz/DenseFace.Fuzz/bin/Release/net10.0"
mkdir -p fuzz/out
summary="$root/fuzz/out/summary.tsv"
[ -f "$summary" ] || printf 'date\ttarget\tseconds\texecs\texecs_per_sec\tpaths\tedges\tbitmap_cvg\tcrashes\thangs\n' >"$summary"

# The assembly and namespaces each target instruments: coverage counts only the reader's own code.
instrument() {
  case "$1" in
    jpeg) echo "DenseFace.dll DenseFace.Imaging.Jpeg DenseFace.Imaging.Image8" ;;
    png) echo "DenseFace.dll DenseFace.Imaging.Png DenseFace.Imaging.Image8" ;;
    pnm) echo "DenseFace.dll DenseFace.Imaging.Pnm DenseFace.Imaging.Image8" ;;
    npy|npz) echo "DenseFace.dll DenseFace.IO.Npy DenseFace.IO.Npz" ;;
    safetensors) echo "DenseFace.dll DenseFace.Neural.Safetensors" ;;
    mat|pts) echo "DenseFace.Evaluation.dll DenseFace.Evaluation.Datasets" ;;
  esac
}

field() { sed -n "s/^$1 *: *//p" "$2" | head -1; }

run_target() {
  local t="$1" work="$root/fuzz/out/$1"
  rm -rf "$work"; mkdir -p "$work"
  # Seeds come from the plain build: instrumented code only runs under afl-fuzz (it writes to afl's shared map).
  dotnet "$build/DenseFace.Fuzz.dll" seeds "$t" "$work/in" || return 1
  cp -r "$build" "$work/bin"
  read -r dll prefixes <<<"$(instrument "$t")"
  # shellcheck disable=SC2086
  dotnet tool run sharpfuzz "$work/bin/$dll" $prefixes >/dev/null || return 1
  if [ "$t" = jpeg ]; then
    local src="$work/in/pattern24.ppm.src"
    { cjpeg -quality 80 -progressive "$src" >"$work/in/progressive.jpg" &&
      cjpeg -quality 60 -restart 1 -sample 1x1 "$src" >"$work/in/restart_444.jpg" &&
      cjpeg -quality 70 -sample 2x1 -optimize "$src" >"$work/in/h2v1_optimized.jpg" &&
      cjpeg -grayscale -progressive "$src" >"$work/in/gray_progressive.jpg"; } || return 1
    rm -f "$src"
  fi
  echo "fuzz.sh: $t: $(ls "$work/in" | wc -l) seeds, fuzzing for $seconds s" >&2
  local rc=0
  AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
    DOTNET_GCHeapHardLimit="${FUZZ_HEAP_LIMIT:-0xC0000000}" \
    timeout --kill-after=60 $((seconds + 180)) \
    afl-fuzz -i "$work/in" -o "$work/findings" -V "$seconds" -t "${FUZZ_TIMEOUT_MS:-3000}" -m none \
      -- "$work/bin/DenseFace.Fuzz" "$t" >"$work/afl.log" 2>&1 || rc=$?
  local stats="$work/findings/default/fuzzer_stats"
  if [ ! -f "$stats" ]; then
    echo "fuzz.sh: $t: afl-fuzz did not start (exit $rc); the end of $work/afl.log:" >&2
    tail -20 "$work/afl.log" >&2; return 1
  fi
  local kept=0 dest="$root/tests/DenseFace.Tests/Fuzz/Regressions/$t"
  for f in "$work"/findings/default/crashes/id:* "$work"/findings/default/hangs/id:*; do
    [ -f "$f" ] || continue
    mkdir -p "$dest"
    local h; h=$(sha256sum "$f" | cut -c1-12)
    [ -f "$dest/$t-$h" ] || { cp "$f" "$dest/$t-$h"; kept=$((kept + 1)); }
  done
  local ran execs eps paths edges cvg crashes hangs
  ran=$(field run_time "$stats"); execs=$(field execs_done "$stats"); eps=$(field execs_per_sec "$stats")
  paths=$(field corpus_count "$stats"); edges=$(field edges_found "$stats"); cvg=$(field bitmap_cvg "$stats")
  # Counted from the saved files: fuzzer_stats is written periodically and can lag behind the last finding.
  crashes=$(find "$work/findings/default/crashes" -name 'id:*' | wc -l); hangs=$(find "$work/findings/default/hangs" -name 'id:*' | wc -l)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "$ran" "$execs" "$eps" "$paths" "$edges" "$cvg" "$crashes" "$hangs" >>"$summary"
  echo "fuzz.sh: $t: $ran s of $seconds, $execs executions ($eps/s), $paths paths, $edges edges ($cvg of the map), $crashes crashes, $hangs hangs; $kept new regression input(s) in ${dest#$root/}"
  # The fuzzed process is afl's fork server (SharpFuzz runs inputs in-process): a finding that kills the process ends the run.
  if grep -q "PROGRAM ABORT" "$work/afl.log"; then
    # The input in flight when the server died (a timeout or a process-killing fault) is kept as a regression too.
    local cur="$work/findings/default/.cur_input"
    if [ -s "$cur" ]; then
      mkdir -p "$dest"; local h; h=$(sha256sum "$cur" | cut -c1-12)
      [ -f "$dest/$t-$h" ] || cp "$cur" "$dest/$t-$h"
      echo "fuzz.sh: $t: the input in flight when afl-fuzz stopped is kept as ${dest#$root/}/$t-$h" >&2
    fi
    echo "fuzz.sh: $t: afl-fuzz stopped early: $(grep -A1 'PROGRAM ABORT' "$work/afl.log" | sed 's/\x1b\[[0-9;]*[A-Za-z]//g' | tr -s ' \n' ' ')(see $work/afl.log); fix the finding and run again" >&2
    return 1
  fi
}

status=0
first=$(($(wc -l <"$summary") + 1))
if [ "$target" = all ]; then
  for t in "${targets[@]}"; do run_target "$t" || status=1; done
else
  run_target "$target" || status=1
fi
echo "fuzz.sh: this run (also in fuzz/out/summary.tsv):"
{ head -1 "$summary"; tail -n +"$first" "$summary"; } | column -t -s $'\t'
exit $status
