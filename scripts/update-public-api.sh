#!/usr/bin/env bash
# Adds the public symbols the build reports as undeclared (RS0016) to each project's PublicAPI.Unshipped.txt, and
# removes the ones it reports as gone (RS0017). Review the diff: every line is a change to the public surface.
# Usage: scripts/update-public-api.sh [project.csproj ...]   (default: every project under src/)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
projects=("$@")
[ ${#projects[@]} -gt 0 ] || mapfile -t projects < <(ls "$root"/src/*/*.csproj)
for proj in "${projects[@]}"; do
  dir=$(cd "$(dirname "$proj")" && pwd)
  [ -f "$dir/PublicAPI.Unshipped.txt" ] || continue
  for _ in 1 2 3; do
    out=$(dotnet build "$proj" --no-incremental 2>&1 || true)
    added=$(grep -oP "(?:warning|error) RS0016: Symbol '\K.*?(?=' is not part of the declared public API)" <<<"$out" | sort -u || true)
    removed=$(grep -oP "(?:warning|error) RS0017: Symbol '\K.*?(?=' is part of the declared API, but)" <<<"$out" | sort -u || true)
    [ -n "$added$removed" ] || break
    if [ -n "$added" ]; then printf '%s\n' "$added" >> "$dir/PublicAPI.Unshipped.txt"; fi
    if [ -n "$removed" ]; then
      while IFS= read -r sym; do grep -vxF -- "$sym" "$dir/PublicAPI.Unshipped.txt" > "$dir/.api.tmp" || true; mv "$dir/.api.tmp" "$dir/PublicAPI.Unshipped.txt"; done <<<"$removed"
    fi
  done
  { head -n 1 "$dir/PublicAPI.Unshipped.txt"; tail -n +2 "$dir/PublicAPI.Unshipped.txt" | LC_ALL=C sort -u; } > "$dir/.api.tmp" && mv "$dir/.api.tmp" "$dir/PublicAPI.Unshipped.txt"
  echo "public API of $(basename "$proj" .csproj): $(($(wc -l < "$dir/PublicAPI.Unshipped.txt") - 1)) unshipped lines"
done
