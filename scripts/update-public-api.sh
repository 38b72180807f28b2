#!/usr/bin/env bash
# Adds every public symbol of src/DenseFace that the PublicApiAnalyzers report as undeclared (RS0016) to
# src/DenseFace/PublicAPI.Unshipped.txt, so an API change shows as a diff of that file. Removed symbols (RS0017) must be
# deleted from the PublicAPI files by hand; this script lists them.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
log=$(mktemp)
dotnet build "$root/src/DenseFace/DenseFace.csproj" -c Release --nologo --no-incremental > "$log" 2>&1 || { cat "$log"; exit 1; }
grep -E "warning RS0016" "$log" | sed -E "s/.*Symbol '(.*)' is not part of the declared public API.*/\1/" | sort -u > "$log.new" || true
if [ -s "$log.new" ]; then cat "$log.new" >> "$root/src/DenseFace/PublicAPI.Unshipped.txt"; echo "added $(wc -l < "$log.new") symbols to PublicAPI.Unshipped.txt"; else echo "public API files up to date"; fi
grep -E "warning RS0017" "$log" | sed -E "s/.*Symbol '(.*)' is part of the declared API.*/  remove by hand: \1/" | sort -u || true
rm -f "$log" "$log.new"
