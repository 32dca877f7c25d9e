#!/usr/bin/env bash
# Compares PostgreSQL throughput direct, through haproxy (TCP), through pgbouncer (transaction pooling) and,
# when asked, through Sluice, in one run on this machine. Prints a Markdown table.
#
#   bench/pg-compare.sh [--sluice-cmd "CMD" --sluice-port P --sluice-token T
#                        [--sluice-user U] [--sluice-db D] [--sluice-sslmode M]]
#
# Environment: DURATION (seconds per pgbench run, default 10), SCALE (pgbench -i -s, default 10),
# PGBIN (default /usr/lib/postgresql/15/bin). Everything runs on 127.0.0.1 in a temp dir that is removed,
# with every process it started stopped, on exit. The throwaway server uses trust auth and fsync=off.
# Sluice is started with CMD (run by bash in its own process group; it must proxy to the port in the
# environment variable BENCH_PG_PORT, database "bench", user "postgres", any password) and reached with
# PGPASSWORD=<token> and sslmode=require (or M).
set -euo pipefail

DURATION=${DURATION:-10}
SCALE=${SCALE:-10}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
SLUICE_CMD="" SLUICE_PORT="" SLUICE_TOKEN="" SLUICE_USER=postgres SLUICE_DB=bench SLUICE_SSLMODE=require

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while (($# > 0)); do
    case "$1" in
        --sluice-cmd) SLUICE_CMD=$2; shift 2 ;;
        --sluice-port) SLUICE_PORT=$2; shift 2 ;;
        --sluice-token) SLUICE_TOKEN=$2; shift 2 ;;
        --sluice-user) SLUICE_USER=$2; shift 2 ;;
        --sluice-db) SLUICE_DB=$2; shift 2 ;;
        --sluice-sslmode) SLUICE_SSLMODE=$2; shift 2 ;;
        -h|--help) usage 0 ;;
        *) echo "unknown argument: $1" >&2; usage 2 >&2 ;;
    esac
done
if [[ -n $SLUICE_CMD && ( -z $SLUICE_PORT || -z $SLUICE_TOKEN ) ]]; then
    echo "--sluice-cmd needs --sluice-port and --sluice-token" >&2; exit 2
fi
for tool in "$PGBIN/initdb" "$PGBIN/pg_ctl" pgbench psql haproxy pgbouncer; do
    command -v "$tool" >/dev/null || { echo "missing: $tool (see .ci/run)" >&2; exit 1; }
done

log() { echo "[pg-compare] $*" >&2; }
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

WORK=$(mktemp -d /tmp/sluice-bench-XXXXXX)
chmod 755 "$WORK"
((EUID == 0)) && chown postgres: "$WORK"
HAPROXY_PID="" SLUICE_PID="" PG_STARTED=""
cleanup() {
    set +e
    if [[ -n $SLUICE_PID ]]; then kill -TERM -- "-$SLUICE_PID" 2>/dev/null || kill -TERM "$SLUICE_PID"; fi
    [[ -n $HAPROXY_PID ]] && kill -TERM "$HAPROXY_PID"
    [[ -s $WORK/pgbouncer.pid ]] && kill -TERM "$(cat "$WORK/pgbouncer.pid")"
    [[ -n $PG_STARTED ]] && as_postgres "$PGBIN/pg_ctl" -D "$WORK/data" -m immediate -w stop >/dev/null
    wait 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PG_PORT=$(free_port)
log "PostgreSQL on $PG_PORT in $WORK"
as_postgres "$PGBIN/initdb" -D "$WORK/data" -U postgres -A trust --no-sync -E UTF8 --locale=C >"$WORK/initdb.log"
as_postgres "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/pg.log" -w -o "-p $PG_PORT -k $WORK \
    -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200" start >/dev/null \
    || { tail -20 "$WORK/pg.log" >&2; exit 1; }
PG_STARTED=1
psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "create database bench" postgres
log "pgbench -i -s $SCALE"
pgbench -i -q -s "$SCALE" -h 127.0.0.1 -p "$PG_PORT" -U postgres bench 2>"$WORK/init.log"

HAPROXY_PORT=$(free_port)
cat >"$WORK/haproxy.cfg" <<CFG
global
    maxconn 1000
defaults
    mode tcp
    timeout connect 5s
    timeout client 1h
    timeout server 1h
listen postgres
    bind 127.0.0.1:$HAPROXY_PORT
    server pg 127.0.0.1:$PG_PORT
CFG
haproxy -f "$WORK/haproxy.cfg" -db >"$WORK/haproxy.log" 2>&1 &
HAPROXY_PID=$!
wait_for_port "$HAPROXY_PORT" 10 haproxy

BOUNCER_PORT=$(free_port)
echo '"postgres" ""' >"$WORK/userlist.txt"
cat >"$WORK/pgbouncer.ini" <<CFG
[databases]
bench = host=127.0.0.1 port=$PG_PORT dbname=bench user=postgres
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BOUNCER_PORT
unix_socket_dir = $WORK
auth_type = trust
auth_file = $WORK/userlist.txt
pool_mode = transaction
max_client_conn = 100
default_pool_size = 20
logfile = $WORK/pgbouncer.log
pidfile = $WORK/pgbouncer.pid
CFG
((EUID == 0)) && chown postgres: "$WORK"/pgbouncer.ini "$WORK"/userlist.txt
as_postgres pgbouncer -q -d "$WORK/pgbouncer.ini"
wait_for_port "$BOUNCER_PORT" 10 pgbouncer

# target name, port, user, database, extra environment
TARGETS=("direct $PG_PORT postgres bench" "haproxy $HAPROXY_PORT postgres bench" "pgbouncer $BOUNCER_PORT postgres bench")
if [[ -n $SLUICE_CMD ]]; then
    log "starting Sluice: $SLUICE_CMD"
    BENCH_PG_PORT=$PG_PORT setsid bash -c "$SLUICE_CMD" >"$WORK/sluice.log" 2>&1 &
    SLUICE_PID=$!
    wait_for_port "$SLUICE_PORT" 60 Sluice || { tail -20 "$WORK/sluice.log" >&2; exit 1; }
    TARGETS+=("sluice $SLUICE_PORT $SLUICE_USER $SLUICE_DB")
fi

RESULTS="$WORK/results.txt"
: >"$RESULTS"
for clients in 1 8; do
    jobs=$((clients < 2 ? 1 : 2))
    for mode in simple prepared; do
        for target in "${TARGETS[@]}"; do
            read -r name port user db <<<"$target"
            env=(PGPASSWORD=unused)
            [[ $name == sluice ]] && env=(PGPASSWORD="$SLUICE_TOKEN" PGSSLMODE="$SLUICE_SSLMODE")
            log "$name -c $clients -M $mode -T $DURATION"
            out="$WORK/pgbench-$name-$clients-$mode.log"
            if env "${env[@]}" pgbench -n -S -c "$clients" -j "$jobs" -M "$mode" -T "$DURATION" \
                    -h 127.0.0.1 -p "$port" -U "$user" "$db" >"$out" 2>&1 \
                    && grep -q '^tps = ' "$out" && ! grep -q 'number of failed transactions: [1-9]' "$out"; then
                tps=$(awk '/^tps = /{print $3; exit}' "$out")
                lat=$(awk '/^latency average = /{print $4; exit}' "$out")
            else
                log "$name -c $clients -M $mode failed: $(grep -m1 -iE 'error|fatal|abort' "$out" || tail -1 "$out")"
                tps=failed lat=-
            fi
            echo "$name $clients $mode $tps $lat" >>"$RESULTS"
        done
    done
done

echo
echo "pgbench -S (select-only), scale $SCALE, ${DURATION}s per run, $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ)"
echo
awk '
    { name[NR] = $1; c[NR] = $2; m[NR] = $3; tps[NR] = $4; lat[NR] = $5; key = $2 " " $3; base[$1, key] = $4 }
    function ratio(v, b) { return (v == "failed" || b == "" || b == "failed") ? "-" : sprintf("%.2f", v / b) }
    END {
        print "| target | clients | mode | TPS | avg latency ms | vs direct | vs haproxy | vs pgbouncer |"
        print "|---|---|---|---|---|---|---|---|"
        for (i = 1; i <= NR; i++) {
            key = c[i] " " m[i]
            t = (tps[i] == "failed") ? "failed" : sprintf("%.0f", tps[i])
            printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", name[i], c[i], m[i], t, lat[i],
                ratio(tps[i], base["direct", key]), ratio(tps[i], base["haproxy", key]),
                ratio(tps[i], base["pgbouncer", key])
        }
    }' "$RESULTS"
