#!/usr/bin/env bash
# Runs the control plane benchmark and writes bench/results/raw/controlplane.json. It builds
# src/ControlPlane and bench/ControlPlaneBench in Release. For each run, ControlPlaneBench starts
# the control plane as a separate process on free loopback ports, with an empty store in a
# temporary folder, and drives it with simulated Envoy nodes. The console shows each phase's
# figures as they come.
#
# --no-build skips the build, for a caller that has just built both projects in Release. Other
# arguments go to ControlPlaneBench unchanged (for example --nodes 1000 --modes sotw --no-churn);
# run `bash bench/controlplane/run.sh --help` for the list. The default run (1,000, 5,000 and
# 10,000 nodes in SotW and delta mode, then the churn run) takes about 15 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

say() { echo "bench/controlplane: $*"; }
die() { echo "bench/controlplane: $*" >&2; exit 1; }

command -v dotnet >/dev/null || die "the .NET 10 SDK is missing (dotnet not on PATH)"

build=1
bench_args=()
for arg in "$@"; do
  if [[ $arg == --no-build ]]; then build=0; else bench_args+=("$arg"); fi
done

# Each node uses one socket in the benchmark and one in the control plane, and both processes
# inherit this limit: 10,000 nodes need a little more than 10,000 descriptors in each.
wanted_files=20000
if (($(ulimit -n) < wanted_files)); then
  ulimit -n "$wanted_files" 2>/dev/null || ulimit -n "$(ulimit -Hn)" ||
    die "cannot raise the open-file limit (now $(ulimit -n)); 10,000 nodes need about $wanted_files"
fi
say "open-file limit $(ulimit -n)"

if ((build)); then
  say "building src/ControlPlane and bench/ControlPlaneBench (Release)"
  dotnet build src/ControlPlane -c Release -nologo -v quiet
  dotnet build bench/ControlPlaneBench -c Release -nologo -v quiet
fi

# The whole run is bounded: each phase has its own timeout inside the benchmark, and this one
# stops a benchmark that hangs anyway. On timeout's SIGTERM the benchmark kills its control plane
# and exits, and timeout sends SIGKILL 30s later if it has not.
timeout --kill-after=30 60m dotnet "$root/bench/ControlPlaneBench/bin/Release/net10.0/ControlPlaneBench.dll" \
  --control-plane "$root/src/ControlPlane/bin/Release/net10.0" \
  --output "$root/bench/results/raw/controlplane.json" "${bench_args[@]}"
