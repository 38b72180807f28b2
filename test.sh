#!/usr/bin/env bash
# Runs the whole test suite (installs the test prerequisites first), then the SIMD kernel tests again with
# AVX-512 and with AVX2 switched off in the runtime, so the Vector256, Vector128 and scalar fallbacks really run
# (a level the process does not have is reported as skipped). Prints "tests: N passed, N failed, N skipped" at
# the end, summed over the three runs; exits non-zero when any run fails.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
"$root/scripts/install-deps.sh" || { echo "test.sh: installing prerequisites failed" >&2; exit 1; }
project="$root/tests/DenseFace.Tests/DenseFace.Tests.csproj"
log=$(mktemp)
passed=0 failed=0 skipped=0 counted=0

# Adds the xunit summary line of the log to the totals; 1 when the log has none.
count() {
  local summary
  summary=$(grep -E '(Passed|Failed)!? +- +Failed: +[0-9]+, +Passed: +[0-9]+' "$log" | tail -1)
  [ -n "$summary" ] || return 1
  failed=$((failed + $(sed -E 's/.*Failed: +([0-9]+).*/\1/' <<<"$summary")))
  passed=$((passed + $(sed -E 's/.*Passed: +([0-9]+).*/\1/' <<<"$summary")))
  skipped=$((skipped + $(sed -E 's/.*Skipped: +([0-9]+).*/\1/' <<<"$summary")))
  counted=1
}

dotnet test "$project" -c Release --nologo "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
count

# The kernel tests (and the gradient checks and JPEG upsampling tests that loop over SIMD levels) again with narrower hardware. .NET 10
# reads DOTNET_EnableAVX512 (DOTNET_EnableAVX512F, the older name, no longer switches Vector512 off; both are
# set); DOTNET_EnableAVX2=0 also turns off FMA and Vector256, leaving Vector128 (SSE) and scalar.
kernels='FullyQualifiedName~DenseFace.Tests.Neural.KernelTests|FullyQualifiedName~DenseFace.Tests.Imaging.Jpeg.UpsampleLevelTests|FullyQualifiedName~DenseFace.Tests.Neural.GradientCheckTests.Conv2dGradients|FullyQualifiedName~DenseFace.Tests.Neural.GradientCheckTests.FusedBatchNormActivationBackward'
for off in "DOTNET_EnableAVX512F=0 DOTNET_EnableAVX512=0" "DOTNET_EnableAVX2=0"; do
  if [ $rc -ne 0 ] && [ $counted -eq 0 ]; then break; fi # the build failed: nothing to rerun
  echo "test.sh: kernel tests with $off"
  env $off dotnet test "$project" -c Release --nologo --no-build --filter "$kernels" 2>&1 | tee "$log"
  r=${PIPESTATUS[0]}
  [ $r -ne 0 ] && rc=$r
  count || { echo "test.sh: no test summary from the run with $off" >&2; rc=1; }
done

[ $counted -eq 1 ] && echo "tests: $passed passed, $failed failed, $skipped skipped"
rm -f "$log"
exit $rc
