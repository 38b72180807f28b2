#!/usr/bin/env bash
# Runs the whole test suite (installs the test prerequisites first). Prints "N passed, N failed" at the end.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
"$root/scripts/install-deps.sh" || { echo "test.sh: installing prerequisites failed" >&2; exit 1; }
log=$(mktemp)
dotnet test "$root/tests/DenseFace.Tests/DenseFace.Tests.csproj" -c Release --nologo "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
summary=$(grep -E '(Passed|Failed)!? +- +Failed: +[0-9]+, +Passed: +[0-9]+' "$log" | tail -1)
if [ -n "$summary" ]; then
  failed=$(sed -E 's/.*Failed: +([0-9]+).*/\1/' <<<"$summary")
  passed=$(sed -E 's/.*Passed: +([0-9]+).*/\1/' <<<"$summary")
  skipped=$(sed -E 's/.*Skipped: +([0-9]+).*/\1/' <<<"$summary")
  echo "tests: $passed passed, $failed failed, $skipped skipped"
fi
rm -f "$log"
exit $rc
