# The configuration files bench/agent/run.sh generates, one function each. Sourced by run.sh;
# the functions read its port and setting variables.
#
# Each proxy gets the settings a production user would give it for this job: no access log,
# keep-alive to the backend, X-Forwarded-For and X-Real-IP set, and one upstream server. The agent
# always sets those two headers, so the others set them too and no proxy skips work the others do.

# write_backend_config FOLDER PORT: nginx serving FOLDER/www on PORT. keepalive_requests is
# raised from its default of 1000, so that the proxies' upstream connections stay open for the
# whole run, as they would in front of a production backend.
write_backend_config() {
  cat >"$1/nginx.conf" <<EOF
worker_processes auto;
pid $1/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$2;
    location / { root $1/www; }
  }
}
EOF
}

# write_proxy_config FOLDER PORT BACKEND_PORT: nginx as a reverse proxy on PORT to the backend,
# with an upstream keep-alive pool (proxy_http_version 1.1 and an empty Connection header are
# what nginx needs to reuse upstream connections). keepalive_requests is raised here too, because
# the agent and HAProxy do not close a client connection after 1000 requests.
write_proxy_config() {
  cat >"$1/nginx.conf" <<EOF
worker_processes auto;
pid $1/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  upstream backend {
    server 127.0.0.1:$3;
    keepalive 64;
  }
  server {
    listen 127.0.0.1:$2;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Real-IP \$remote_addr;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
    }
  }
}
EOF
}

# write_haproxy_config FILE: one TCP frontend to redis-server and one HTTP frontend to the
# backend, each with a single server. HAProxy keeps idle server connections for reuse by default.
write_haproxy_config() {
  cat >"$1" <<EOF
global
  maxconn 4096

defaults
  timeout connect 1s
  timeout client 30s
  timeout server 30s

frontend redis_in
  mode tcp
  bind 127.0.0.1:$haproxy_redis_port
  default_backend redis

backend redis
  mode tcp
  server redis1 127.0.0.1:$redis_port

frontend http_in
  mode http
  bind 127.0.0.1:$haproxy_http_port
  option forwardfor
  http-request set-header X-Real-IP %[src]
  default_backend web

backend web
  mode http
  server web1 127.0.0.1:$backend_port
EOF
}

# write_scenario FILE: the resources posted to the control plane. The Redis cluster has the one
# redis-server and no mirror policy, so the agent sends each command to one server, as HAProxy
# does. The HTTP cluster has the one backend and no health checks, like the other proxies.
write_scenario() {
  cat >"$1" <<EOF
"@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
name: bench_redis
connect_timeout: 1s
load_assignment:
  cluster_name: bench_redis
  endpoints:
    - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: $redis_port } } }
---
"@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
name: bench_web
connect_timeout: 1s
load_assignment:
  cluster_name: bench_web
  endpoints:
    - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: $backend_port } } }
---
"@type": type.googleapis.com/envoy.config.listener.v3.Listener
name: bench_redis_listener
address:
  socket_address: { address: 127.0.0.1, port_value: $agent_redis_port }
filter_chains:
  - filters:
      - name: envoy.filters.network.redis_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.redis_proxy.v3.RedisProxy
          stat_prefix: bench_redis
          settings:
            op_timeout: 5s
          prefix_routes:
            catch_all_route:
              cluster: bench_redis
---
"@type": type.googleapis.com/envoy.config.listener.v3.Listener
name: bench_http_listener
address:
  socket_address: { address: 127.0.0.1, port_value: $agent_http_port }
filter_chains:
  - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: bench_http
          route_config:
            name: bench_routes
            virtual_hosts:
              - name: backend
                domains: ["*"]
                routes:
                  - match: { prefix: "/" }
                    route: { cluster: bench_web }
          http_filters:
            - name: envoy.filters.http.router
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
EOF
}

# write_agent_bootstrap FILE: deploy/agent-bootstrap.yaml with this run's ports.
write_agent_bootstrap() {
  cat >"$1" <<EOF
node:
  id: bench-agent
  cluster: bench
admin:
  address:
    socket_address: { address: 127.0.0.1, port_value: $admin_port }
dynamic_resources:
  ads_config:
    api_type: GRPC
    transport_api_version: V3
    set_node_on_first_message_only: true
    grpc_services:
      - envoy_grpc: { cluster_name: xds_cluster }
  cds_config: { resource_api_version: V3, ads: {} }
  lds_config: { resource_api_version: V3, ads: {} }
static_resources:
  clusters:
    - name: xds_cluster
      type: STATIC
      connect_timeout: 1s
      typed_extension_protocol_options:
        envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
          "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
          explicit_http_config: { http2_protocol_options: {} }
      load_assignment:
        cluster_name: xds_cluster
        endpoints:
          - lb_endpoints:
              - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: $xds_port } } }
EOF
}

# write_settings FILE: the load settings and versions of this run, one Markdown bullet a line,
# which bench/Report copies into RESULTS.md.
write_settings() {
  cat >"$1" <<EOF
- Redis: \`redis-benchmark -t set,get -n $redis_requests -c $redis_clients\`, once with \`-P 1\` and once with \`-P $redis_pipeline\`, after an unrecorded run of 20000 requests; $(redis-server --version | cut -d' ' -f1-3).
- Redis targets: redis-server alone; the agent's Redis proxy listener whose cluster has that one redis-server (no mirror policy, so every command goes to one server, as through HAProxy); HAProxy $(haproxy -v | head -1 | cut -d' ' -f3) in TCP mode with that one server.
- HTTP: \`wrk -t $wrk_threads -c $wrk_connections -d ${wrk_seconds}s --latency\` on \`/\`, after an unrecorded ${warmup_seconds}-second run; wrk $(wrk -v 2>&1 | head -1 | cut -d' ' -f2).
- HTTP backend, the same for every target: nginx $(nginx -v 2>&1 | cut -d/ -f2) serving a 33-byte static file, \`worker_processes auto\`, no access log.
- HTTP targets: the backend alone; the agent's HTTP listener (one route to a one-host cluster, no health checks); nginx as a reverse proxy with an upstream \`keepalive 64\` pool; HAProxy in HTTP mode with \`option forwardfor\`. No proxy writes an access log.
- All processes run on 127.0.0.1 and share the machine's $(nproc) cores: the load tool, the proxy, the backend or redis-server, and other work on the machine.
- Agent memory: VmRSS from /proc/PID/status, idle after the configuration arrived and 3 s of rest, peak as the largest sample (every 0.2 s) during all the runs above.
EOF
}
