#!/usr/bin/env bash
# Before/after for the HTTPS proxy in one run, in alternating rounds: several Sluice variants (a build directory
# and/or extra configuration each) serve the same haproxy-played service side by side, and wrk loads them in turn,
# ROUNDS times, so that the machine's load (other builds) falls on every variant alike. Prints one line per round and
# variant (requests/s, p50, p99, Sluice's CPU time per request from /proc) and the median per variant.
#
#   VARIANTS="new=.  old=/tmp/old-build" bench/http-rounds.sh
#   VARIANTS="on=. off=.:recording-off" bench/http-rounds.sh     (NAME=BUILD[:EXTRA], EXTRA a file under bench/rounds/)
#   VARIANTS="vt=. p1=." OPTS_p1="-Djdk.pollerMode=1" bench/http-rounds.sh   (OPTS_NAME: JVM options of one variant)
#   ROUNDS=5 DURATION=10 WARMUP=30 CONNECTIONS=16 THREADS=2 PEERS=1
#
# PEERS=1 (the default) also loads, in the same alternating rounds, the service directly ("direct": plain HTTP) and
# through haproxy in HTTP mode with TLS and the same certificate, setting the service credential ("haproxy"); their
# CPU column is haproxy's (the service and the proxy are one haproxy process). Read/write calls per request are
# the process's read and write system calls (/proc/PID/io) over a round divided by its requests (Sluice only:
# haproxy's send/recv calls are not counted there).
#
# BUILD is a checkout or a directory holding sluice-server/target/{sluice-server-*.jar,lib/}. EXTRA names a YAML
# fragment appended to the configuration (bench/rounds/EXTRA.yaml). Everything runs on 127.0.0.1, stopped on exit.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-30}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
VARIANTS=${VARIANTS:-"this=."}
PEERS=${PEERS:-1}
JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
for tool in wrk haproxy openssl python3; do
    command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done
DIR=$(mktemp -d /tmp/sluice-http-rounds-XXXXXX)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$DIR"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 600); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
              echo "port $1 did not open" >&2; return 1; }
SERVICE=$(port)
HAPROXY=$(port)
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

declare -A PORT PID
NAMES=()
first=1
for spec in $VARIANTS; do
    name=${spec%%=*}; rest=${spec#*=}; build=${rest%%:*}; extra=""
    [[ $rest == *:* ]] && extra=${rest#*:}
    [[ $build == . ]] && build=$ROOT
    target=$build/sluice-server/target
    NAMES+=("$name")
    PORT[$name]=$(port); api=$(port)
    mkdir -p "$DIR/$name"
    cat > "$DIR/$name/sluice.yaml" <<YAML
listen:
  postgres: "off"
  http: 127.0.0.1:$api
  https: 127.0.0.1:${PORT[$name]}
data-dir: $DIR/$name/data
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
    [[ -n $extra ]] && cat "$ROOT/bench/rounds/$extra.yaml" >> "$DIR/$name/sluice.yaml"
    cp=$(ls "$target"/sluice-server-*.jar | head -1):$target/lib/*
    if [[ $first == 1 ]]; then
        TOKEN=$("$JAVA" -cp "$cp" dev.sluice.server.SluiceCli token --config "$DIR/$name/sluice.yaml" \
            --subject bench-agent --groups bench --ttl 2h 2>/dev/null)
        KEYS=$DIR/$name/data/keys
        first=0
    else
        mkdir -p "$DIR/$name/data" && cp -r "$KEYS" "$DIR/$name/data/"   # the same dev issuer: one token for all
    fi
    opts="OPTS_$name"
    "$JAVA" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow ${SLUICE_JAVA_OPTS:-} ${!opts:-} \
        -cp "$cp" \
        dev.sluice.server.SluiceCli serve --config "$DIR/$name/sluice.yaml" >"$DIR/$name/log" 2>&1 &
    PIDS+=($!)
    PID[$name]=$!
done
wait_port "$SERVICE"
for name in "${NAMES[@]}"; do wait_port "${PORT[$name]}"; done

declare -A URL
for name in "${NAMES[@]}"; do URL[$name]="https://127.0.0.1:${PORT[$name]}/http/billing/v1/invoices"; done
if [[ $PEERS == 1 ]]; then
    wait_port "$HAPROXY"
    NAMES=(direct haproxy "${NAMES[@]}")
    URL[direct]="http://127.0.0.1:$SERVICE/v1/invoices"; PID[direct]=$HAPROXY_PID
    URL[haproxy]="https://127.0.0.1:$HAPROXY/v1/invoices"; PID[haproxy]=$HAPROXY_PID
fi
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
syscalls() { awk '/^sysc[rw]:/ {n += $2} END {print n}' "/proc/$1/io"; }
load() { wrk -t"$THREADS" -c"$CONNECTIONS" -d"$2s" --latency -H "Authorization: Bearer $TOKEN" \
    "${URL[$1]}"; }
for name in "${NAMES[@]}"; do load "$name" "$WARMUP" >/dev/null 2>&1 || true; done
echo "| round | variant | requests/s | p50 | p99 | non-2xx | Sluice CPU µs/request | read+write calls/request | load average |"
echo "|---|---|---|---|---|---|---|---|---|"
for round in $(seq 1 "$ROUNDS"); do
    for name in "${NAMES[@]}"; do
        before=$(cpu_ticks "${PID[$name]}"); calls=$(syscalls "${PID[$name]}")
        load "$name" "$DURATION" > "$DIR/out.txt"
        after=$(cpu_ticks "${PID[$name]}"); calls=$(( $(syscalls "${PID[$name]}") - calls ))
        rps=$(awk '/Requests\/sec/ {print $2}' "$DIR/out.txt")
        p50=$(awk '$1=="50%" {print $2}' "$DIR/out.txt")
        p99=$(awk '$1=="99%" {print $2}' "$DIR/out.txt")
        requests=$(awk '/requests in/ {print $1}' "$DIR/out.txt")
        non2xx=$(awk '/Non-2xx/ {print $5}' "$DIR/out.txt")
        cpu=$(python3 -c "print(f'{($after - $before) * 1000 / $(getconf CLK_TCK) * 1000 / max(${requests:-0}, 1):.0f}')")
        percall=$(python3 -c "print(f'{$calls / max(${requests:-0}, 1):.1f}')")
        [[ $name == direct || $name == haproxy ]] && percall=nan   # haproxy's send/recv are not in /proc/PID/io
        echo "| $round | $name | $rps | $p50 | $p99 | ${non2xx:-0} | $cpu | $percall | $(cut -d' ' -f1-3 /proc/loadavg) |"
        echo "$name $rps $cpu $p50 $percall" >> "$DIR/all.txt"
    done
done
echo
python3 - "$DIR/all.txt" <<'PY'
import sys, statistics, collections
def ms(text):
    for unit, scale in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(unit):
            return float(text[:-len(unit)]) * scale
    return float("nan")
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, rps, cpu, p50, calls = line.split()
    rows[name].append((float(rps), float(cpu), ms(p50), float(calls)))
median = {name: [statistics.median(v[i] for v in values) for i in range(4)] for name, values in rows.items()}
direct = median.get("direct")
for name, (rps, cpu, p50, calls) in median.items():
    vs = f", {rps / direct[0]:.2f}x direct, p50 +{p50 - direct[2]:.3f} ms" if direct and name != "direct" else ""
    print(f"median {name}: {rps:.0f} requests/s, p50 {p50:.3f} ms, {cpu:.0f} µs CPU/request, "
          f"{calls:.1f} read+write calls/request over {len(rows[name])} rounds{vs}")
PY
echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s x $ROUNDS rounds after ${WARMUP}s each; $(nproc) cores"
