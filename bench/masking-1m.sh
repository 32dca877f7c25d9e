#!/usr/bin/env bash
# Streams a 1-million-row result (~200 bytes a row, several masked columns) through Sluice with masking, through
# Sluice without masking (a caller in the rule's unless-groups), and directly; Sluice runs with -Xmx256m. Prints a
# Markdown table: wall time (best of RUNS), throughput relative to direct, and Sluice's peak heap (the largest
# heap-in-use before a GC, from -Xlog:gc, over all runs of that mode).
#
#   bench/masking-1m.sh            (build first: mvn -B -q -o -Pquick package)
#
# Environment: ROWS (default 1000000), RUNS (default 3), PGBIN (default /usr/lib/postgresql/15/bin), TLS (off |
# on; default off). Every path is measured alike: with TLS=off psql connects without TLS both directly and to
# Sluice (sslmode=disable); with TLS=on PostgreSQL gets a throwaway self-signed certificate and psql requires TLS
# both directly and to Sluice (Sluice's own hop to PostgreSQL stays plaintext, so each path has one TLS hop).
# Everything runs on 127.0.0.1 in a temp dir that is removed, with every process it started stopped, on exit.
set -euo pipefail

ROWS=${ROWS:-1000000}
RUNS=${RUNS:-3}
TLS=${TLS:-off}
case $TLS in off) export PGSSLMODE=disable ;; on) export PGSSLMODE=require ;; *) echo "TLS must be on or off" >&2; exit 1 ;; esac
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
JAR="$ROOT/sluice-server/target/sluice-server-0.1.0-SNAPSHOT.jar"
[[ -f $JAR && -d $ROOT/sluice-server/target/lib ]] || { echo "build first: mvn -B -q -o -Pquick package" >&2; exit 1; }
for tool in "$PGBIN/initdb" "$PGBIN/pg_ctl" psql "$JAVA"; do
    command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done

log() { echo "[masking-1m] $*" >&2; }
as_postgres() { if ((EUID == 0)); then runuser -u postgres -- "$@"; else "$@"; fi; }
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
    local port
    while :; do port=$((20000 + RANDOM % 30000)); port_in_use "$port" || { echo "$port"; return; }; done
}
wait_for_port() {
    local i
    for ((i = 0; i < $2 * 10; i++)); do port_in_use "$1" && return 0; sleep 0.1; done
    echo "$3 did not open port $1 within $2 s" >&2; return 1
}

WORK=$(mktemp -d /tmp/sluice-mask-bench-XXXXXX)
chmod 755 "$WORK"
((EUID == 0)) && chown postgres: "$WORK"
SLUICE_PID="" PG_STARTED=""
cleanup() {
    set +e
    [[ -n $SLUICE_PID ]] && kill -TERM "$SLUICE_PID" && wait "$SLUICE_PID" 2>/dev/null
    [[ -n $PG_STARTED ]] && as_postgres "$PGBIN/pg_ctl" -D "$WORK/data" -m immediate -w stop >/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PG_PORT=$(free_port)
log "PostgreSQL on $PG_PORT, $ROWS rows, TLS $TLS"
as_postgres "$PGBIN/initdb" -D "$WORK/data" -U postgres -A trust --no-sync -E UTF8 --locale=C >"$WORK/initdb.log"
PG_TLS=""
if [[ $TLS == on ]]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost -keyout "$WORK/data/server.key" \
        -out "$WORK/data/server.crt" 2>/dev/null
    chmod 600 "$WORK/data/server.key"
    ((EUID == 0)) && chown postgres: "$WORK/data/server.key" "$WORK/data/server.crt"
    PG_TLS="-c ssl=on"
fi
as_postgres "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/pg.log" -w -o "-p $PG_PORT -k $WORK \
    -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off $PG_TLS" start >/dev/null \
    || { tail -20 "$WORK/pg.log" >&2; exit 1; }
PG_STARTED=1
psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "create database bench" postgres
psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres bench <<SQL
create table customers as
select i as id, 'Customer ' || i as name, 'user' || i || '@example.com' as email,
       '4242 4242 4242 4242' as card, '+1 (415) 555-' || lpad((i % 10000)::text, 4, '0') as phone,
       'DE89370400440532013000' as iban,
       'note ' || i || ': call back tomorrow about the renewal, lorem ipsum dolor sit amet consectetur' as note
from generate_series(1, $ROWS) i;
vacuum analyze customers;
SQL
BYTES=$(psql -At -h 127.0.0.1 -p "$PG_PORT" -U postgres bench -c \
    "select round(avg(octet_length(t::text))) from customers t")
log "average row: $BYTES bytes of text"

SLUICE_PORT=$(free_port)
mkdir -p "$WORK/sluice"
cat >"$WORK/sluice/sluice.yaml" <<CFG
listen:
  postgres: 127.0.0.1:$SLUICE_PORT
data-dir: ./data
identity:
  dev-issuer: true
tls:
  allow-plaintext: true
connections:
  - name: bench
    type: postgres
    address: 127.0.0.1:$PG_PORT
    database: bench
    user: postgres
    password: unused
    tls:
      mode: disable
    allow:
      groups: [agents, dpo]
masking:
  - name: pii
    unless-groups: [dpo]
    columns:
      customers.card: partial
      customers.email: hash
      customers.iban: redact
    detectors: [email, phone, card]
    strategy: redact
CFG
CP="$JAR:$ROOT/sluice-server/target/lib/*"
"$JAVA" --enable-native-access=ALL-UNNAMED -Xmx256m -Xlog:gc:file="$WORK/gc.log" -cp "$CP" \
    dev.sluice.server.SluiceCli serve -c "$WORK/sluice/sluice.yaml" >"$WORK/sluice.log" 2>&1 &
SLUICE_PID=$!
wait_for_port "$SLUICE_PORT" 60 Sluice || { tail -20 "$WORK/sluice.log" >&2; exit 1; }
token() { "$JAVA" -cp "$CP" dev.sluice.server.SluiceCli token -c "$WORK/sluice/sluice.yaml" --subject "$1" --groups "$2"; }
AGENT=$(token bench-agent agents)
DPO=$(token bench-dpo dpo)

SQL="select * from customers"
run() { # mode -> seconds
    local port=$PG_PORT user=postgres db=bench pw=unused
    case $1 in masked) port=$SLUICE_PORT user=agent pw=$AGENT ;; unmasked) port=$SLUICE_PORT user=dpo pw=$DPO ;; esac
    local start end
    start=$(date +%s.%N)
    PGPASSWORD=$pw psql -X -At -h 127.0.0.1 -p "$port" -U "$user" -d "$db" -o /dev/null -c "$SQL"
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}
peak_heap() { # MB: largest before-GC heap in the gc log lines since line $1
    tail -n +"$1" "$WORK/gc.log" | grep -oE '[0-9]+M->[0-9]+M' | cut -dM -f1 | sort -n | tail -1
}

# Sanity: masked output holds no clear value, unmasked does.
PGPASSWORD=$AGENT psql -X -At -h 127.0.0.1 -p "$SLUICE_PORT" -U agent -d bench -c "$SQL where id = 1" \
    | grep -q 'user1@example.com' && { echo "masking did not apply" >&2; exit 1; }
PGPASSWORD=$DPO psql -X -At -h 127.0.0.1 -p "$SLUICE_PORT" -U dpo -d bench -c "$SQL where id = 1" \
    | grep -q 'user1@example.com' || { echo "dpo did not see clear values" >&2; exit 1; }

declare -A BEST PEAK
for mode in direct unmasked masked; do
    run "$mode" >/dev/null # warm-up (JIT, caches)
    from=$(( $(wc -l <"$WORK/gc.log") + 1 ))
    best=""
    for ((i = 0; i < RUNS; i++)); do
        t=$(run "$mode")
        log "$mode run $((i + 1)): ${t}s"
        if [[ -z $best ]] || (( $(echo "$t < $best" | bc) )); then best=$t; fi
    done
    BEST[$mode]=$best
    PEAK[$mode]=$([[ $mode == direct ]] && echo "-" || echo "$(peak_heap "$from") MB")
done

echo "| path | best of $RUNS (s) | rows/s | throughput vs direct | Sluice peak heap (-Xmx256m) |"
echo "|---|---|---|---|---|"
for mode in direct unmasked masked; do
    t=${BEST[$mode]}
    printf '| %s | %.2f | %s | %.2f× | %s |\n' "$mode" "$t" "$(echo "$ROWS / $t" | bc)" \
        "$(echo "${BEST[direct]} / $t" | bc -l)" "${PEAK[$mode]}"
done
echo
echo "$ROWS rows of ~$BYTES bytes; masked: 3 column rules (partial, hash, redact) + detectors email, phone, card"
echo "over name, phone, note; client: psql -At -o /dev/null (simple protocol, text format), TLS $TLS on every path."
