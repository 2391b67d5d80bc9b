#!/usr/bin/env bash
# Runs every test in the solution, after installing the servers the tests start (PostgreSQL, InfluxDB, Mosquitto).
# Ends with one line "<N> passed, <M> failed" counted from the TRX results, and exits non-zero on any failure.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash scripts/install-test-deps.sh || { echo "0 passed, 1 failed"; exit 1; }

results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

dotnet test Sdk.sln -c Release \
  --logger "trx" --results-directory "$results" \
  -- RunConfiguration.TestSessionTimeout=3000000
status=$?

# Every package must pack (README, licence, symbols): a broken package fails the run like a failed test.
pack_failed=0
if [ "$status" -eq 0 ]; then
  dotnet pack Sdk.sln -c Release --no-build -o "$root/artifacts/packages" >"$results/pack.log" 2>&1 || { pack_failed=1; tail -n 30 "$results/pack.log"; }
fi

passed=0; failed=0; files=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters"); t=$(sed -n 's/.* timeout="\([0-9]*\)".*/\1/p' <<<"$counters")
  a=$(sed -n 's/.* aborted="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${e:-0} + ${t:-0} + ${a:-0}))
done

# A build failure or a crashed test host leaves no (or too few) TRX files: count it as a failure.
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
if [ "$files" -eq 0 ]; then failed=$((failed > 0 ? failed : 1)); fi

failed=$((failed + pack_failed))
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
