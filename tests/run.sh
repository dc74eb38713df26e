#!/usr/bin/env bash
# Installs what the tests need on a fresh machine (Debian packages, npm packages), then runs every
# test in ControlPlane.sln and prints one closing line: "tests: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v redis-cli >/dev/null || missing+=(redis-tools)
if ((${#missing[@]} > 0)); then
  echo "tests/run.sh: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The xDS conformance test drives gRPC's proxyless xDS client for Node.
if [[ -f tests/Conformance/package-lock.json ]]; then
  (cd tests/Conformance && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi

results=artifacts/test-results
rm -rf "$results"
status=0
dotnet test ControlPlane.sln --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" || status=$?

# Sum the counters of every TRX file into the closing line.
passed=0
failed=0
for trx in "$results"/*.trx; do
  [[ -f "$trx" ]] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
done
echo "tests: $passed passed, $failed failed"
exit "$status"
