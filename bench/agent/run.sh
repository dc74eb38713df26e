#!/usr/bin/env bash
# Measures the agent as a Redis proxy and as an HTTP reverse proxy against its peers, in one run:
#   Redis: redis-benchmark SET and GET straight to redis-server, through the agent's Redis proxy
#          listener and through HAProxy in TCP mode, each without and with -P 16;
#   HTTP:  wrk against one backend (nginx serving a small static file) straight, through the agent's
#          HTTP listener, through nginx as a reverse proxy and through HAProxy in HTTP mode;
#   the agent's resident set size (VmRSS) before the load and its largest sample during it.
# Everything runs on 127.0.0.1 on free ports: redis-server, the backend, the Release control plane
# with a generated scenario posted to its API, the Release agent, HAProxy and the nginx proxy.
# Writes bench/results/raw/agent.json and bench/results/raw/agent-settings.txt, and stops every
# process it started when it exits.
#
# The load tools, the proxies and the servers all share the machine's cores, so each figure is
# meant as a ratio to its peer measured in the same run, not as an absolute capacity.
#
# usage: bash bench/agent/run.sh [--no-build]   (--no-build: use the Release output already built)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

# --- Settings (stated in agent-settings.txt and in RESULTS.md) ---------------------------------
redis_requests=200000   # redis-benchmark -n, per command and run
redis_clients=50        # redis-benchmark -c
redis_pipeline=16       # the pipelined runs use -P 16; the others -P 1
wrk_threads=2           # wrk -t
wrk_connections=64      # wrk -c
wrk_seconds=15          # wrk -d, per target
warmup_seconds=3        # an unrecorded wrk run before each target, so the agent's JIT is warm

build=1
for arg in "$@"; do
  case $arg in
    --no-build) build=0 ;;
    -h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/agent: unknown argument '$arg' (usage: bash bench/agent/run.sh [--no-build])" >&2; exit 2 ;;
  esac
done

# shellcheck source=bench/agent/configs.sh
source "$root/bench/agent/configs.sh"

say() { echo "bench/agent: $*"; }
die() { echo "bench/agent: $*" >&2; exit 1; }

# --- 1. Prerequisites and build ----------------------------------------------------------------
missing=()
for tool in dotnet redis-server redis-cli redis-benchmark haproxy nginx wrk curl; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
((${#missing[@]} == 0)) ||
  die "missing: ${missing[*]}. 'bash bench/run.sh' installs them (apt-get install haproxy nginx wrk redis-server redis-tools curl)."

bin() { echo "$root/$1/bin/Release/net10.0"; }
if ((build)); then
  for project in src/ControlPlane src/Agent bench/AgentBench; do
    say "building $project (Release)"
    timeout --foreground 900 dotnet build "$project" -c Release -nologo -v quiet >/dev/null ||
      die "building $project failed; run 'dotnet build $project -c Release' to see why"
  done
fi
for dll in src/ControlPlane/ControlPlane.dll src/Agent/Agent.dll bench/AgentBench/AgentBench.dll; do
  [[ -f $(bin "$(dirname "$dll")")/$(basename "$dll") ]] || die "$dll is not built (run without --no-build)"
done

# --- 2. Process bookkeeping --------------------------------------------------------------------
work=$(mktemp -d /tmp/bench-agent.XXXXXX)
chmod 755 "$work" # nginx workers run as nobody and read the backend's file from here
raw=$work/raw
mkdir -p "$raw"
pids=()
names=()

stop_all() {
  trap - EXIT INT TERM
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill "${pids[i]}" 2>/dev/null || true
  done
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
  done
  ((${#pids[@]} == 0)) || say "stopped ${names[*]} (logs and raw output in $work)"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# start NAME COMMAND...: runs COMMAND in the background, logging to $work/NAME.log.
start() {
  local name=$1
  shift
  "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  names+=("$name")
}

# wait_until NAME SECONDS COMMAND...: polls COMMAND until it succeeds, while NAME still runs.
wait_until() {
  local name=$1 seconds=$2 pid=${pids[-1]}
  shift 2
  for ((tick = 0; tick < seconds * 4; tick++)); do
    "$@" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$work/$name.log" >&2; die "$name exited during start-up"; }
    sleep 0.25
  done
  die "$name was not ready within ${seconds}s; its log is $work/$name.log"
}

# free_port: prints a port on 127.0.0.1 that nothing listens on and that this run has not taken.
# Ports come from below the kernel's ephemeral range: the control plane benchmark leaves thousands
# of closing client sockets there, whose ports a server cannot bind yet.
ephemeral_low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
port_low=10000
port_count=$((ephemeral_low > port_low + 1000 ? ephemeral_low - port_low : 20000))
taken_ports=" "
free_port() {
  local port
  for ((try = 0; try < 200; try++)); do
    port=$((port_low + RANDOM % port_count))
    [[ $taken_ports == *" $port "* ]] && continue
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
    taken_ports+="$port "
    echo "$port"
    return 0
  done
  die "found no free port from $port_low to $((port_low + port_count - 1))"
}

redis_port=$(free_port) backend_port=$(free_port)
xds_port=$(free_port) api_port=$(free_port) admin_port=$(free_port)
agent_redis_port=$(free_port) agent_http_port=$(free_port)
haproxy_redis_port=$(free_port) haproxy_http_port=$(free_port) nginx_port=$(free_port)

# --- 3. Redis and the HTTP backend -------------------------------------------------------------
mkdir -p "$work/redis"
start redis redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$work/redis" \
  --save "" --appendonly no --daemonize no
wait_until redis 10 redis-cli -p "$redis_port" ping

mkdir -p "$work/backend/www"
printf 'hello from the benchmark backend\n' >"$work/backend/www/index.html"
write_backend_config "$work/backend" "$backend_port"
start backend nginx -p "$work/backend/" -c "$work/backend/nginx.conf" -e "$work/backend/error.log" -g 'daemon off;'
wait_until backend 10 curl -fsS "http://127.0.0.1:$backend_port/"

# --- 4. Control plane, scenario and agent ------------------------------------------------------
start controlplane env ControlPlane__XdsPort="$xds_port" ControlPlane__ApiPort="$api_port" \
  ControlPlane__StorePath="$work/controlplane.db" \
  bash -c "cd '$(bin src/ControlPlane)' && exec dotnet ControlPlane.dll"
wait_until controlplane 60 curl -fsS "http://127.0.0.1:$api_port/api/v1/clusters"

write_scenario "$work/scenario.yaml"
curl -sS --fail-with-body -X POST -H 'Content-Type: application/yaml' --data-binary "@$work/scenario.yaml" \
  "http://127.0.0.1:$api_port/api/v1/apply" >"$work/apply.json" ||
  die "the control plane rejected $work/scenario.yaml: $(cat "$work/apply.json")"

write_agent_bootstrap "$work/agent-bootstrap.yaml"
start agent dotnet "$(bin src/Agent)/Agent.dll" -c "$work/agent-bootstrap.yaml"
agent_pid=${pids[-1]}
wait_until agent 60 redis-cli -p "$agent_redis_port" set bench:ready 1
wait_until agent 30 curl -fsS "http://127.0.0.1:$agent_http_port/"

# --- 5. HAProxy and the nginx proxy ------------------------------------------------------------
write_haproxy_config "$work/haproxy.cfg"
haproxy -c -q -f "$work/haproxy.cfg" || die "haproxy rejected $work/haproxy.cfg"
start haproxy haproxy -db -f "$work/haproxy.cfg"
wait_until haproxy 10 curl -fsS "http://127.0.0.1:$haproxy_http_port/"

mkdir -p "$work/proxy"
write_proxy_config "$work/proxy" "$nginx_port" "$backend_port"
start nginx nginx -p "$work/proxy/" -c "$work/proxy/nginx.conf" -e "$work/proxy/error.log" -g 'daemon off;'
wait_until nginx 10 curl -fsS "http://127.0.0.1:$nginx_port/"

# --- 6. Agent memory: idle now, then sampled through the load ----------------------------------
rss_bytes() {
  local key value _
  while read -r key value _; do
    if [[ $key == VmRSS: ]]; then echo $((value * 1024)); return 0; fi
  done <"/proc/$agent_pid/status"
  return 1
}

sleep 3
rss_bytes >"$raw/rss-idle.txt" || die "could not read /proc/$agent_pid/status"
say "agent idle RSS: $(($(cat "$raw/rss-idle.txt") / 1024 / 1024)) MiB"

# Samples VmRSS every 0.2 s, at most for 20 minutes, until $work/stop-sampling exists; the file
# rss-peak.txt always contains the largest sample so far.
sample_rss() {
  local peak sample
  peak=$(cat "$raw/rss-idle.txt")
  for ((tick = 0; tick < 6000; tick++)); do
    [[ -e $work/stop-sampling ]] && break
    sample=$(rss_bytes 2>/dev/null) || break
    ((sample > peak)) && peak=$sample
    echo "$peak" >"$raw/rss-peak.txt"
    sleep 0.2
  done
}
sample_rss &
pids+=($!)
names+=(rss-sampler)

# --- 7. Redis ----------------------------------------------------------------------------------
declare -A redis_targets=([direct]=$redis_port [agent]=$agent_redis_port [haproxy]=$haproxy_redis_port)
for target in direct agent haproxy; do
  port=${redis_targets[$target]}
  timeout --foreground 120 redis-benchmark -h 127.0.0.1 -p "$port" -t set,get -n 20000 -c "$redis_clients" -q >/dev/null 2>&1 ||
    die "the warm-up of redis-benchmark against $target (port $port) failed"
  for pipeline in 1 "$redis_pipeline"; do
    out=$raw/redis-$target-p$pipeline.csv
    timeout --foreground 300 redis-benchmark -h 127.0.0.1 -p "$port" -t set,get -n "$redis_requests" \
      -c "$redis_clients" -P "$pipeline" --csv >"$out" 2>"$work/redis-benchmark.err" ||
      die "redis-benchmark against $target (-P $pipeline) failed: $(cat "$work/redis-benchmark.err")"
    say "redis $target -P $pipeline: $(tail -n +2 "$out" | cut -d, -f1,2 | tr '\n' ' ')"
  done
done

# --- 8. HTTP -----------------------------------------------------------------------------------
declare -A http_targets=([direct]=$backend_port [agent]=$agent_http_port [nginx]=$nginx_port
  [haproxy]=$haproxy_http_port)
for target in direct agent nginx haproxy; do
  url=http://127.0.0.1:${http_targets[$target]}/
  timeout --foreground 60 wrk -t "$wrk_threads" -c "$wrk_connections" -d "${warmup_seconds}s" "$url" >/dev/null ||
    die "the warm-up of wrk against $target ($url) failed"
  out=$raw/http-$target.txt
  timeout --foreground $((wrk_seconds + 60)) wrk -t "$wrk_threads" -c "$wrk_connections" -d "${wrk_seconds}s" --latency "$url" >"$out" ||
    die "wrk against $target ($url) failed: $(cat "$out")"
  say "http $target: $(grep -E '^Requests/sec' "$out")"
done

touch "$work/stop-sampling"
sleep 0.5

# --- 9. agent.json -----------------------------------------------------------------------------
results=$root/bench/results/raw
mkdir -p "$results"
dotnet "$(bin bench/AgentBench)/AgentBench.dll" --input "$raw" --output "$results/agent.json"
write_settings "$results/agent-settings.txt"
say "wrote $results/agent.json and $results/agent-settings.txt"
