#!/usr/bin/env bash
# wrk against a local HTTP service direct, through haproxy (HTTP mode, TLS) and through Sluice's HTTPS proxy
# (listen.https, an `http` connection with an injected header, the dev issuer's token, one allow policy, audit on),
# in one run on this machine. Prints a Markdown table: requests/s and latency, and ratios against direct.
#
#   bench/http-compare.sh        (DURATION=10 seconds per run, CONNECTIONS=16, THREADS=2, WARMUP=20 by default)
#   SLUICE_JAVA_OPTS=-XX:StartFlightRecording=filename=/tmp/s.jfr bench/http-compare.sh   (profile the gateway only)
#   BASELINE=/tmp/old bench/http-compare.sh   (also runs the Sluice built in another checkout, or a directory holding
#                                               a copy of its sluice-server jar and lib/: before/after in one run)
#
# WARMUP seconds of load precede each measured run: Sluice's JVM needs about 20 s at these rates before its JIT has
# compiled the data path (a 2 s warm-up measured a cold JVM: a quarter of the warm throughput).
# The service is haproxy answering 200 with a small JSON body itself (`http-request return`), so the service costs
# next to nothing and the differences are the proxies'. Everything runs on 127.0.0.1 and is stopped on exit.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
WARMUP=${WARMUP:-20}
for tool in wrk haproxy openssl python3; do
    command -v "$tool" >/dev/null || { echo "missing: $tool (bin/sluice-prereqs test)" >&2; exit 1; }
done
DIR=$(mktemp -d /tmp/sluice-http-bench-XXXXXX)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$DIR"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 600); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
              echo "port $1 did not open" >&2; return 1; }
SERVICE=$(port) HAPROXY=$(port) SLUICE=$(port) API=$(port) OLD=$(port) OLD_API=$(port)
BASELINE=${BASELINE:-}
if [[ -n $BASELINE && -d $BASELINE/sluice-server/target ]]; then BASELINE=$BASELINE/sluice-server/target; fi

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
    -keyout "$DIR/key.pem" -out "$DIR/cert.pem" 2>/dev/null
cat "$DIR/cert.pem" "$DIR/key.pem" > "$DIR/haproxy.pem"
cat > "$DIR/haproxy.cfg" <<CFG
global
    maxconn 4096
defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
frontend service
    bind 127.0.0.1:$SERVICE
    http-request return status 200 content-type application/json string "{\"invoices\":[{\"id\":1,\"amount\":5}]}"
frontend proxy
    bind 127.0.0.1:$HAPROXY ssl crt $DIR/haproxy.pem alpn http/1.1
    http-request set-header Authorization "Bearer service-credential"
    default_backend service
backend service
    server s1 127.0.0.1:$SERVICE
CFG
haproxy -f "$DIR/haproxy.cfg" -db >"$DIR/haproxy.log" 2>&1 &
PIDS+=($!)
HAPROXY_PID=$!

cat > "$DIR/sluice.yaml" <<YAML
listen:
  postgres: "off"
  http: 127.0.0.1:$API
  https: 127.0.0.1:$SLUICE
data-dir: $DIR/data
tls:
  cert-file: $DIR/cert.pem
  key-file: $DIR/key.pem
identity:
  dev-issuer: true
connections:
  - name: billing
    type: http
    address: http://127.0.0.1:$SERVICE
    headers:
      Authorization: "Bearer service-credential"
    allow: {groups: [bench]}
policies:
  - name: no-admin
    connections: [billing]
    deny:
      paths: ["/admin/**"]
YAML
TOKEN=$(SLUICE_JAVA_OPTS= "$ROOT/bin/sluice" token --config "$DIR/sluice.yaml" --subject bench-agent --groups bench --ttl 2h 2>/dev/null)
"$ROOT/bin/sluice" serve --config "$DIR/sluice.yaml" >"$DIR/sluice.log" 2>&1 &
PIDS+=($!)
SLUICE_PID=$!   # bin/sluice execs java: the same process
if [[ -n $BASELINE ]]; then
    # the same configuration (and issuer key, so the same token) on other ports and its own audit store
    mkdir -p "$DIR/old"
    sed -e "s|127.0.0.1:$API|127.0.0.1:$OLD_API|; s|127.0.0.1:$SLUICE|127.0.0.1:$OLD|; s|data-dir: .*|data-dir: $DIR/old|" \
        "$DIR/sluice.yaml" > "$DIR/old.yaml"
    cp -r "$DIR/data/keys" "$DIR/old/" 2>/dev/null || true
    /usr/lib/jvm/temurin-25-jdk-amd64/bin/java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
        -cp "$(ls "$BASELINE"/sluice-server-*.jar | head -1):$BASELINE/lib/*" dev.sluice.server.SluiceCli serve \
        --config "$DIR/old.yaml" >"$DIR/old.log" 2>&1 &
    PIDS+=($!)
    OLD_PID=$!
    wait_port "$OLD"
fi
wait_port "$SERVICE"; wait_port "$HAPROXY"; wait_port "$SLUICE"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # user + system clock ticks of a process
run() { # name url header pid: the process whose CPU time per request is reported (the proxy; haproxy's includes
        # the service it also plays, so its figure is an upper bound)
    local name=$1 url=$2 header=$3 pid=$4
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" -H "$header" "$url" >/dev/null 2>&1 || true   # warm-up
    local before after
    before=$(cpu_ticks "$pid")
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "$header" "$url" > "$DIR/$name.txt"
    after=$(cpu_ticks "$pid")
    local rps p50 p99 avg requests cpu
    rps=$(awk '/Requests\/sec/ {print $2}' "$DIR/$name.txt")
    avg=$(awk '$1=="Latency" {print $2; exit}' "$DIR/$name.txt")
    p50=$(awk '$1=="50%" {print $2}' "$DIR/$name.txt")
    p99=$(awk '$1=="99%" {print $2}' "$DIR/$name.txt")
    requests=$(awk '/requests in/ {print $1}' "$DIR/$name.txt")
    cpu=$(python3 -c "print(f'{($after - $before) * 1000 / $(getconf CLK_TCK) * 1000 / max(${requests:-0}, 1):.0f}')")
    local non2xx
    non2xx=$(awk '/Non-2xx/ {print $5}' "$DIR/$name.txt")
    echo "$name $rps $avg $p50 $p99 ${non2xx:-0} $cpu"
}
to_ms() { python3 -c "import sys,re; v=sys.argv[1]; m=re.match(r'([0-9.]+)(us|ms|s)',v); f={'us':0.001,'ms':1,'s':1000}[m[2]]; print(round(float(m[1])*f,3))" "$1"; }

results=()
results+=("$(run direct "http://127.0.0.1:$SERVICE/v1/invoices" "X-Bench: 1" "$HAPROXY_PID")")
results+=("$(run haproxy "https://127.0.0.1:$HAPROXY/v1/invoices" "X-Bench: 1" "$HAPROXY_PID")")
results+=("$(run sluice "https://127.0.0.1:$SLUICE/http/billing/v1/invoices" "Authorization: Bearer $TOKEN" "$SLUICE_PID")")
if [[ -n $BASELINE ]]; then
    results+=("$(run sluice-baseline "https://127.0.0.1:$OLD/http/billing/v1/invoices" "Authorization: Bearer $TOKEN" "$OLD_PID")")
fi
read -r _ direct_rps direct_avg direct_p50 _ _ _ <<<"${results[0]}"
if [[ ${results[2]} == "sluice 0"* || ${results[2]} == "sluice  "* ]]; then
    echo "Sluice served nothing; its log:" >&2; tail -30 "$DIR/sluice.log" >&2; cat "$DIR/sluice.txt" >&2
fi
echo "| path | requests/s | avg latency | p50 | p99 | non-2xx | req/s vs direct | added avg latency | added p50 | proxy CPU µs/request |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for line in "${results[@]}"; do
    read -r name rps avg p50 p99 non2xx cpu <<<"$line"
    ratio=$(python3 -c "print(f'{$rps/$direct_rps:.2f}')")
    added=$(python3 -c "print(f'{$(to_ms "$avg") - $(to_ms "$direct_avg"):+.3f} ms')")
    added50=$(python3 -c "print(f'{$(to_ms "$p50") - $(to_ms "$direct_p50"):+.3f} ms')")
    echo "| $name | $rps | $avg | $p50 | $p99 | $non2xx | $ratio | $added | $added50 | $cpu |"
done
echo
echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s after ${WARMUP}s; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
