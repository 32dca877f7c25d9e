#!/usr/bin/env bash
# The relay's added latency: pgbench select-only (-M prepared, -c 1 and -c 8) in one run against
#   direct           PostgreSQL itself
#   gateway-direct   Sluice dialling PostgreSQL itself (connection "direct")
#   gateway-relay    Sluice reaching PostgreSQL through a relay on this host (connection "relayed", via: bench)
# Everything on loopback (the relay's gRPC/mTLS hop included), so the figures show the relay's own cost, not a
# network's. Prints a markdown table with ratios against direct and against gateway-direct.
#
# Each target is first driven for WARMUP seconds, unmeasured: without it the relay's path (its own JVM, the gRPC
# and TLS code in both) is measured while the JIT is still compiling it, and cold code, not the hop, dominates
# (a cold relay measured 10.6 ms a statement, the same relay warm 2.1 ms, in one run).
#
#   bench/relay.sh            (DURATION=10 SCALE=10 WARMUP=10 by default)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-10}
SCALE=${SCALE:-10}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

log() { echo "[relay-bench] $*" >&2; }
as_postgres() { if ((EUID == 0)); then runuser -u postgres -- "$@"; else "$@"; fi; }
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 30000))
        port_in_use "$port" || { echo "$port"; return; }
    done
}
wait_for_port() { # port seconds name
    local i
    for ((i = 0; i < $2 * 10; i++)); do port_in_use "$1" && return 0; sleep 0.1; done
    echo "$3 did not open port $1 within $2 s" >&2; return 1
}

WORK=$(mktemp -d /tmp/sluice-relay-bench-XXXXXX)
chmod 755 "$WORK"
((EUID == 0)) && chown postgres: "$WORK"
GATEWAY_PID="" RELAY_PID="" PG_STARTED=""
cleanup() {
    set +e
    [[ -n $RELAY_PID ]] && kill -TERM "$RELAY_PID"
    [[ -n $GATEWAY_PID ]] && kill -TERM "$GATEWAY_PID"
    [[ -n $PG_STARTED ]] && as_postgres "$PGBIN/pg_ctl" -D "$WORK/data" -m immediate -w stop >/dev/null
    wait 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PG_PORT=$(free_port)
PASSWORD=$(openssl rand -hex 16)
echo -n "$PASSWORD" >"$WORK/pg-password"
log "PostgreSQL on $PG_PORT (SCRAM for TCP) in $WORK"
as_postgres "$PGBIN/initdb" -D "$WORK/data" -U postgres --auth-host=scram-sha-256 --auth-local=trust --no-sync \
    -E UTF8 --locale=C >"$WORK/initdb.log"
as_postgres "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/pg.log" -w -o "-p $PG_PORT -k $WORK \
    -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200" start >/dev/null \
    || { tail -20 "$WORK/pg.log" >&2; exit 1; }
PG_STARTED=1
psql -q -h "$WORK" -p "$PG_PORT" -U postgres -v pw="$PASSWORD" postgres <<'SQL'
ALTER ROLE postgres PASSWORD :'pw';
CREATE DATABASE bench;
SQL
log "pgbench -i -s $SCALE"
PGPASSWORD=$PASSWORD pgbench -i -q -s "$SCALE" -h 127.0.0.1 -p "$PG_PORT" -U postgres bench 2>"$WORK/init.log"

SLUICE_PORT=$(free_port) HTTP_PORT=$(free_port) RELAYS_PORT=$(free_port)
cat >"$WORK/sluice.yaml" <<YAML
listen:
  postgres: 127.0.0.1:$SLUICE_PORT
  http: 127.0.0.1:$HTTP_PORT
data-dir: $WORK/gateway-data
identity:
  dev-issuer: true
relays:
  listen: 127.0.0.1:$RELAYS_PORT
connections:
  - name: direct
    address: 127.0.0.1:$PG_PORT
    database: bench
    user: postgres
    password: \${file:$WORK/pg-password}
    tls:
      mode: disable
    allow:
      groups: [bench]
  - name: relayed
    via: bench
    database: bench
    allow:
      groups: [bench]
YAML
cat >"$WORK/relay.yaml" <<YAML
gateway: https://127.0.0.1:$RELAYS_PORT
group: bench
data-dir: $WORK/relay-data
targets:
  - connection: relayed
    address: 127.0.0.1:$PG_PORT
    user: postgres
    password: \${file:$WORK/pg-password}
    tls:
      mode: disable
YAML
TOKEN=$("$ROOT/bin/sluice" token --config "$WORK/sluice.yaml" --subject bench-agent --groups bench --ttl 2h 2>/dev/null)
log "starting the gateway"
"$ROOT/bin/sluice" serve --config "$WORK/sluice.yaml" >"$WORK/gateway.log" 2>&1 &
GATEWAY_PID=$!
wait_for_port "$RELAYS_PORT" 60 "the gateway's relay listener" || { tail -20 "$WORK/gateway.log" >&2; exit 1; }
JOIN=$("$ROOT/bin/sluice" relay token --config "$WORK/sluice.yaml" --group bench 2>/dev/null)
log "starting the relay"
"$ROOT/bin/sluice" relay --config "$WORK/relay.yaml" --join-token "$JOIN" >"$WORK/relay.log" 2>&1 &
RELAY_PID=$!
for ((i = 0; i < 300; i++)); do grep -q "connected to the gateway" "$WORK/relay.log" && break; sleep 0.1; done
grep -q "connected to the gateway" "$WORK/relay.log" || { tail -20 "$WORK/relay.log" >&2; exit 1; }

TARGETS=("direct $PG_PORT postgres bench" "gateway-direct $SLUICE_PORT bench-agent direct"
         "gateway-relay $SLUICE_PORT bench-agent relayed")
target_env() { # name
    if [[ $1 == direct ]]; then echo "PGPASSWORD=$PASSWORD PGSSLMODE=disable"; else echo "PGPASSWORD=$TOKEN PGSSLMODE=require"; fi
}
if ((WARMUP > 0)); then
    for target in "${TARGETS[@]}"; do
        read -r name port user db <<<"$target"
        log "$name: warming up for ${WARMUP}s (not measured)"
        env $(target_env "$name") pgbench -n -S -c 2 -j 1 -M prepared -T "$WARMUP" -h 127.0.0.1 -p "$port" \
            -U "$user" "$db" >/dev/null 2>&1 || log "$name: warm-up failed"
    done
fi

RESULTS="$WORK/results.txt"
: >"$RESULTS"
for clients in 1 8; do
    jobs=$((clients < 2 ? 1 : 2))
    for target in "${TARGETS[@]}"; do
        read -r name port user db <<<"$target"
        read -r -a env <<<"$(target_env "$name")"
        log "$name -c $clients -M prepared -T $DURATION"
        out="$WORK/pgbench-$name-$clients.log"
        if env "${env[@]}" pgbench -n -S -c "$clients" -j "$jobs" -M prepared -T "$DURATION" \
                -h 127.0.0.1 -p "$port" -U "$user" "$db" >"$out" 2>&1 && grep -q '^tps = ' "$out"; then
            tps=$(awk '/^tps = /{print $3; exit}' "$out")
            lat=$(awk '/^latency average = /{print $4; exit}' "$out")
        else
            log "$name -c $clients failed: $(grep -m1 -iE 'error|fatal|abort' "$out" || tail -1 "$out")"
            tps=failed lat=-
        fi
        echo "$name $clients $tps $lat" >>"$RESULTS"
    done
done

echo
echo "pgbench -S -M prepared, scale $SCALE, ${DURATION}s per run after ${WARMUP}s warm-up, $(nproc) CPUs," \
    "$(date -u +%Y-%m-%dT%H:%MZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
awk '
    { name[NR] = $1; c[NR] = $2; tps[NR] = $3; lat[NR] = $4; base[$1, $2] = $3; blat[$1, $2] = $4 }
    function ratio(v, b) { return (v == "failed" || b == "" || b == "failed") ? "-" : sprintf("%.2f", v / b) }
    function added(l, b) { return (l == "-" || b == "" || b == "-") ? "-" : sprintf("%+.3f", l - b) }
    END {
        print "| target | clients | TPS | avg latency ms | vs direct | vs gateway-direct | latency added vs gateway-direct ms |"
        print "|---|---|---|---|---|---|---|"
        for (i = 1; i <= NR; i++)
            printf "| %s | %s | %s | %s | %s | %s | %s |\n", name[i], c[i], tps[i], lat[i],
                ratio(tps[i], base["direct", c[i]]), ratio(tps[i], base["gateway-direct", c[i]]),
                added(lat[i], blat["gateway-direct", c[i]])
    }' "$RESULTS"
