#!/usr/bin/env bash
# Runs the benchmark suite and writes bench/results/RESULTS.md and bench/results/push-latency.png.
#   1. installs what is missing on a Debian machine (haproxy nginx wrk redis-server redis-tools curl);
#   2. builds the control plane, the agent and the bench projects in Release;
#   3. bench/controlplane/run.sh  -> bench/results/raw/controlplane.json (simulated Envoy nodes);
#   4. bench/agent/run.sh         -> bench/results/raw/agent.json (Redis and HTTP against HAProxy and nginx);
#   5. bench/Report               -> RESULTS.md and push-latency.png from whichever JSON files exist.
# Every step has a time limit. A step that fails is reported and the next ones still run; the
# exit code is 1 when any step failed. Benchmarks measure and assert nothing.
#
# usage: bash bench/run.sh [--controlplane] [--agent] [--report]
#   With no option every step runs. With options only the named parts run (after install and
#   build; --report alone only rewrites the report from the JSON files already there).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }
run_controlplane=0 run_agent=0 run_report=0
for arg in "$@"; do
  case $arg in
    --controlplane) run_controlplane=1 ;;
    --agent) run_agent=1 ;;
    --report) run_report=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "bench: unknown argument '$arg'" >&2; usage >&2; exit 2 ;;
  esac
done
if ((run_controlplane + run_agent + run_report == 0)); then
  run_controlplane=1 run_agent=1 run_report=1
fi

say() { echo "bench: $*"; }
die() { echo "bench: $*" >&2; exit 1; }
failed=()

# --- 1. Prerequisites --------------------------------------------------------------------------
command -v dotnet >/dev/null || die "the .NET 10 SDK is missing (dotnet not on PATH)"
command -v npm >/dev/null || die "Node.js 20 with npm is missing (the build compiles the Envoy protos with it)"
if ((run_controlplane + run_agent > 0)); then
  missing=()
  command -v haproxy >/dev/null || missing+=(haproxy)
  command -v nginx >/dev/null || missing+=(nginx)
  command -v wrk >/dev/null || missing+=(wrk)
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v redis-benchmark >/dev/null || missing+=(redis-tools)
  command -v curl >/dev/null || missing+=(curl)
  if ((${#missing[@]} > 0)); then
    sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    say "installing ${missing[*]} with apt-get"
    timeout --foreground 600 "${sudo[@]}" apt-get update -qq || die "apt-get update failed"
    timeout --foreground 900 "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
      die "apt-get install ${missing[*]} failed"
  fi
fi

# --- 2. Build ----------------------------------------------------------------------------------
projects=(src/ControlPlane/ControlPlane.csproj src/Agent/Agent.csproj)
for project in bench/*/*.csproj; do
  [[ -f $project ]] && projects+=("$project")
done
for project in "${projects[@]}"; do
  say "building $project (Release)"
  timeout --foreground 1200 dotnet build "$project" -c Release -nologo -v quiet >/dev/null ||
    die "building $project failed; run 'dotnet build $project -c Release' to see why"
done

# step NAME SECONDS COMMAND...: runs one part with a time limit and records a failure.
step() {
  local name=$1 seconds=$2 status=0
  shift 2
  say "--- $name (at most $((seconds / 60)) minutes) ---"
  timeout --foreground --kill-after=120 "$seconds" "$@" || status=$?
  if ((status == 124)); then
    failed+=("$name (timed out after ${seconds}s)")
  elif ((status != 0)); then
    failed+=("$name (exit code $status)")
  fi
}

# The report names the commit the figures come from, marked when the work tree had changes.
if ((run_controlplane || run_agent)); then
  mkdir -p bench/results/raw
  commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
  [[ -n $(git status --porcelain -- src protos bench/agent bench/controlplane bench/ControlPlaneBench bench/AgentBench 2>/dev/null) ]] &&
    commit+=" with uncommitted changes"
  echo "$commit" >bench/results/raw/commit.txt
fi

# --- 3. Control plane --------------------------------------------------------------------------
if ((run_controlplane)); then
  if [[ -f bench/controlplane/run.sh ]]; then
    step "control plane benchmark" 4200 bash bench/controlplane/run.sh
  else
    say "control plane benchmark: not run (bench/controlplane/run.sh is missing)"
  fi
fi

# --- 4. Agent ----------------------------------------------------------------------------------
if ((run_agent)); then
  step "agent benchmark" 1800 bash bench/agent/run.sh --no-build
fi

# --- 5. Report ---------------------------------------------------------------------------------
if ((run_report)); then
  step "report" 600 dotnet run -c Release --no-build --project bench/Report -- --results bench/results
fi

if ((${#failed[@]} > 0)); then
  say "failed: ${failed[*]}"
  exit 1
fi
say "done: see bench/results/RESULTS.md"
