#!/usr/bin/env bash
# pgbench select-only through Sluice against direct, haproxy and pgbouncer, in one run (bench/pg-compare.sh does
# the measuring). Sluice runs from bin/sluice with its embedded audit store on; with --policies it also enforces the
# three rules of docs/policy.md's example plus 47 more, so every statement is classified and judged.
#
#   bench/sluice-pg.sh [--policies] [--recording none|summary|rows|off]
#                                         (DURATION=10 SCALE=10 by default; see bench/pg-compare.sh)
# Recording defaults to Sluice's default (summary); `off` disables session recording.
# BENCH_SLUICE_JAVA_OPTS: JVM options for the Sluice under test only (e.g. -XX:StartFlightRecording=filename=x.jfr).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
POLICIES=false
RECORDING=summary
while (($# > 0)); do
  case "$1" in
    --policies) POLICIES=true; shift ;;
    --recording) RECORDING=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

DIR=$(mktemp -d /tmp/sluice-bench-cfg-XXXXXX)
trap 'rm -rf "$DIR"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
SLUICE_PORT=$(port)
HTTP_PORT=$(port)
{
  cat <<YAML
listen:
  postgres: 127.0.0.1:$SLUICE_PORT
  http: 127.0.0.1:$HTTP_PORT
data-dir: $DIR/data
identity:
  dev-issuer: true
connections:
  - name: bench
    type: postgres
    address: 127.0.0.1:__PORT__
    database: bench
    user: postgres
    password: unused
    tls:
      mode: disable
    allow:
      groups: [bench]
YAML
  if [[ $RECORDING == off ]]; then
    printf 'recording:\n  enabled: false\n'
  else
    printf 'recording:\n  record-results: %s\n' "$RECORDING"
  fi
  if $POLICIES; then
    cat <<'YAML'
policies:
  - name: agents-never-destroy
    connections: [bench]
    groups: [bench]
    deny:
      kinds: [DROP, TRUNCATE, ALTER]
  - name: writes-need-a-where
    connections: [bench]
    groups: [bench]
    deny:
      when: "command.kind in ['DELETE', 'UPDATE'] && !command.has_where"
  - name: deletes-need-a-human
    connections: [bench]
    groups: [bench]
    require-approval:
      kinds: [DELETE]
      approvers: [sre]
YAML
    for i in $(seq 1 47); do
      cat <<YAML
  - name: filler-$i
    connections: [bench]
    groups: [group-$i]
    deny:
      tables: ["secret_$i.*"]
      when: "command.statement_count > $((i + 10))"
YAML
    done
  fi
} > "$DIR/sluice.yaml.tmpl"
sed "s/__PORT__/1/" "$DIR/sluice.yaml.tmpl" > "$DIR/sluice.yaml"
TOKEN=$(SLUICE_JAVA_OPTS= "$ROOT/bin/sluice" token --config "$DIR/sluice.yaml" --subject bench-agent --groups bench --ttl 2h 2>/dev/null)
"$ROOT/bench/pg-compare.sh" \
  --sluice-cmd "sed s/__PORT__/\$BENCH_PG_PORT/ $DIR/sluice.yaml.tmpl > $DIR/sluice.yaml && SLUICE_JAVA_OPTS='${BENCH_SLUICE_JAVA_OPTS:-}' exec $ROOT/bin/sluice serve --config $DIR/sluice.yaml" \
  --sluice-port "$SLUICE_PORT" --sluice-token "$TOKEN" --sluice-user bench-agent
