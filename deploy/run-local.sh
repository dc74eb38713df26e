#!/usr/bin/env bash
# Runs the reference scenario on loopback: two Redis servers (6379, 6380), two HTTP backends
# (8081, 8082), the control plane (xDS 18000, API 18080) with deploy/examples/scenario.yaml
# applied, and the agent (admin 9901, Redis listener 16379, HTTP listener 10000).
# Installs redis-server and redis-tools with apt-get when they are missing, builds the solution
# in Release, logs to .run/*.log, and stops everything it started on Ctrl-C.
#
# A port already in use stops the script with a message naming the port. The script stops only
# what an earlier run of it left behind (its pid is in .run/*.pid), and the Redis service that
# Debian's package starts on 6379 when this run installed that package.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
run=$root/.run
with_agent=1

usage() {
  echo "usage: bash deploy/run-local.sh [--no-agent]"
  echo "  --no-agent  start everything but the agent (for example to point Envoy at the control plane)"
}

for arg in "$@"; do
  case $arg in
    --no-agent) with_agent=0 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "run-local: unknown argument '$arg'" >&2; usage >&2; exit 2 ;;
  esac
done

say() { echo "run-local: $*"; }
die() { echo "run-local: $*" >&2; exit 1; }

# --- 1. Prerequisites -------------------------------------------------------------------------
command -v dotnet >/dev/null || die "the .NET 10 SDK is missing (dotnet not on PATH)"
command -v npm >/dev/null || die "Node.js 20 with npm is missing (the build compiles the Envoy protos with it)"

installed_redis=0
sudo=()
[[ $(id -u) -eq 0 ]] || sudo=(sudo)
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v redis-cli >/dev/null || missing+=(redis-tools)
command -v curl >/dev/null || missing+=(curl)
if ((${#missing[@]} > 0)); then
  say "installing ${missing[*]} with apt-get"
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [[ " ${missing[*]} " == *" redis-server "* ]]; then installed_redis=1; fi
fi

# --- 2. Build ---------------------------------------------------------------------------------
say "building ControlPlane.sln (Release)"
dotnet build ControlPlane.sln -c Release -nologo -v quiet
bin() { echo "$root/$1/bin/Release/net10.0"; }

# --- 3. Process bookkeeping -------------------------------------------------------------------
mkdir -p "$run"
pids=()
names=()
commands=()

stop_all() {
  trap - EXIT INT TERM
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill "${pids[i]}" 2>/dev/null || true
  done

  # A graceful stop can wait on open connections (the control plane on xDS streams), so whatever
  # still runs after 10 seconds is killed.
  for ((tick = 0; tick < 40; tick++)); do
    alive=0
    for pid in "${pids[@]}"; do
      if kill -0 "$pid" 2>/dev/null; then alive=1; fi
    done
    ((alive)) || break
    sleep 0.25
  done
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -9 "${pids[i]}" 2>/dev/null || true
    wait "${pids[i]}" 2>/dev/null || true
    rm -f "$run/${names[i]}.pid"
  done
  ((${#pids[@]} == 0)) || say "stopped ${names[*]}"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# start NAME COMMAND...: runs COMMAND in the background, logging to .run/NAME.log.
start() {
  local name=$1
  shift
  "$@" >"$run/$name.log" 2>&1 &
  pids+=($!)
  names+=("$name")
  local command
  printf -v command '%q ' "$@"
  commands+=("$command")
  echo $! >"$run/$name.pid"
}

# wait_until NAME SECONDS COMMAND...: polls COMMAND until it succeeds, while NAME is still running.
wait_until() {
  local name=$1 seconds=$2 pid=${pids[-1]}
  shift 2
  for ((tick = 0; tick < seconds * 4; tick++)); do
    "$@" >/dev/null 2>&1 && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$run/$name.log" >&2 || true
      die "$name exited during start-up; its log is $run/$name.log"
    fi
    sleep 0.25
  done
  die "$name did not become ready within ${seconds}s; its log is $run/$name.log"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port PORT NAME PROGRAM: fails with a clear message when PORT is taken by something this
# script may not stop. PROGRAM is what the command line of a leftover NAME from an earlier run
# contains, so that a recycled pid never gets killed.
free_port() {
  local port=$1 name=$2 program=$3
  port_in_use "$port" || return 0

  local leftover
  leftover=$(cat "$run/$name.pid" 2>/dev/null || true)
  if [[ -n $leftover ]] && grep -qa -- "$program" "/proc/$leftover/cmdline" 2>/dev/null &&
    kill "$leftover" 2>/dev/null; then
    say "stopped $name (pid $leftover) left over from an earlier run"
  elif [[ $port == 6379 && $installed_redis == 1 ]]; then
    # The redis-server package starts a service on 6379 right after installing; this run
    # installed it, so that server contains no data yet.
    say "stopping the redis-server service that the package installation just started on 6379"
    if command -v systemctl >/dev/null && systemctl is-active --quiet redis-server 2>/dev/null; then
      "${sudo[@]}" systemctl stop redis-server
    else
      redis-cli -p 6379 shutdown nosave >/dev/null 2>&1 || true
    fi
  else
    die "port $port (for $name) is already in use. Stop what listens there (for a system Redis: 'sudo systemctl stop redis-server'; for a leftover of this script: 'redis-cli -p $port shutdown nosave') and run again."
  fi

  for ((tick = 0; tick < 20; tick++)); do
    port_in_use "$port" || return 0
    sleep 0.25
  done
  die "port $port (for $name) is still in use"
}

# --- 4. Redis and the HTTP backends -----------------------------------------------------------
for port in 6379 6380; do
  free_port "$port" "redis-$port" redis-server
  mkdir -p "$run/redis-$port"
  start "redis-$port" redis-server --bind 127.0.0.1 --port "$port" --dir "$run/redis-$port" \
    --save "" --appendonly no --daemonize no
  wait_until "redis-$port" 10 redis-cli -p "$port" ping
done

for backend in backend-a:8081 backend-b:8082; do
  name=${backend%%:*}
  port=${backend##*:}
  free_port "$port" "$name" Backend.dll
  start "$name" dotnet "$(bin deploy/backend)/Backend.dll" --name "$name" --port "$port"
  wait_until "$name" 30 curl -fsS "http://127.0.0.1:$port/healthz"
done

# --- 5. Control plane and the scenario --------------------------------------------------------
free_port 18000 controlplane ControlPlane.dll
free_port 18080 controlplane ControlPlane.dll
# The control plane runs from its output folder so that it finds its appsettings.json.
start controlplane env ControlPlane__StorePath="$run/controlplane.db" \
  bash -c "cd '$(bin src/ControlPlane)' && exec dotnet ControlPlane.dll"
wait_until controlplane 60 curl -fsS http://127.0.0.1:18080/api/v1/clusters

scenario=deploy/examples/scenario.yaml
if [[ -f $scenario ]]; then
  say "applying $scenario"
  curl -sS --fail-with-body -X POST -H 'Content-Type: application/yaml' \
    --data-binary "@$scenario" http://127.0.0.1:18080/api/v1/apply >"$run/apply.json" ||
    die "the control plane rejected $scenario: $(cat "$run/apply.json")"
else
  say "skipping the scenario: $scenario is missing, so the control plane serves no resources"
fi

# --- 6. Agent ---------------------------------------------------------------------------------
if ((with_agent)); then
  [[ -f deploy/agent-bootstrap.yaml ]] || die "deploy/agent-bootstrap.yaml is missing (run with --no-agent to skip the agent)"
  free_port 9901 agent Agent.dll
  start agent dotnet "$(bin src/Agent)/Agent.dll" -c deploy/agent-bootstrap.yaml
  wait_until agent 60 curl -fsS http://127.0.0.1:9901/ready
fi

# --- 7. Where to look -------------------------------------------------------------------------
cat <<EOF

Running on loopback (logs in .run/*.log, Ctrl-C stops everything):
  redis primary          127.0.0.1:6379      redis secondary  127.0.0.1:6380
  backend-a              127.0.0.1:8081      backend-b        127.0.0.1:8082
  control plane xDS      127.0.0.1:18000     operator API     http://127.0.0.1:18080/api/v1/clusters
EOF
if ((with_agent)); then
  cat <<EOF
  agent admin            http://127.0.0.1:9901/
  agent Redis listener   127.0.0.1:16379     agent HTTP listener  127.0.0.1:10000

Try:
  redis-cli -p 16379 set k v        # written to the primary and mirrored
  redis-cli -p 6380 get k           # the mirror has it too
  curl http://127.0.0.1:10000/      # backend-a or backend-b, round robin
  curl -X POST http://127.0.0.1:8081/fail   # backend-a fails; traffic moves to backend-b
  curl http://127.0.0.1:18080/api/v1/nodes  # what each node acknowledged
EOF
else
  echo "  (no agent: start Envoy with 'envoy -c envoy-bootstrap.yaml')"
fi

# Stay up until Ctrl-C. A process that exits (a Redis server shut down to watch failover, a
# control plane killed to watch the agent keep its config) is reported with the command that
# starts it again, and everything else keeps running.
exited=()
while true; do
  for i in "${!pids[@]}"; do
    if [[ -z ${exited[i]:-} ]] && ! kill -0 "${pids[i]}" 2>/dev/null; then
      exited[i]=1
      say "${names[i]} exited; its log is $run/${names[i]}.log"
      say "  to start it again, from $(pwd): ${commands[i]}>>$run/${names[i]}.log 2>&1 &"
    fi
  done
  sleep 1
done
