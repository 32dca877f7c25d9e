#!/usr/bin/env bash
# Fuzzing mode for the Jazzer fuzz targets of sluice-postgres (the suite only replays their seed corpora).
#
#   bench/fuzz.sh                          every target, DURATION each (default 3m)
#   DURATION=10m bench/fuzz.sh FrontendFuzzTest#clientConnection SqlClassifierFuzzTest#classify
#
# Each target runs in its own `mvn verify` with JAZZER_FUZZ=1 and -Djazzer.max_duration=$DURATION (Jazzer fuzzes one
# @FuzzTest per JVM). The generated corpus grows in sluice-postgres/.cifuzz-corpus/<class>/<method>/ (git-ignored,
# reused by the next run); a finding is written as crash-<sha1> into the target's seed directory
# sluice-postgres/src/test/resources/dev/sluice/postgres/.../<Class>Inputs/<method>/, where the suite replays it as a
# regression test: fix the code, keep the file. Logs: $OUT (default /tmp/sluice-fuzz-<time>), one per target.
# Prints per target: runs, executions per second, libFuzzer's coverage counters (cov: edges, ft: features, corp:
# corpus entries) and the verdict. The fuzzing JVM gets -Xmx$FUZZ_HEAP (default 1g): unbounded, it grows to several GB.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
export PATH="$JAVA_HOME/bin:$PATH"
DURATION=${DURATION:-3m}
OUT=${OUT:-/tmp/sluice-fuzz-$(date +%Y%m%d-%H%M%S)}
TARGETS=("$@")
if ((${#TARGETS[@]} == 0)); then
  TARGETS=(FrontendFuzzTest#clientConnection FrontendFuzzTest#typedMessage BackendFuzzTest#serverStream
           BackendFuzzTest#typedMessage SqlClassifierFuzzTest#classify RowMaskerFuzzTest#dataRow
           RowMaskerFuzzTest#copyRow ScramFuzzTest#serverMessages)
fi
mkdir -p "$OUT"
cd "$ROOT"
# compile once; each target then only runs surefire
mvn -B -ntp -q test-compile -pl sluice-postgres -am >"$OUT/compile.log" 2>&1 || { cat "$OUT/compile.log"; exit 1; }

printf '| target | runs | exec/s | cov | ft | corp | result |\n|---|---|---|---|---|---|---|\n' >"$OUT/summary.md"
status=0
for target in "${TARGETS[@]}"; do
  log="$OUT/${target/\#/-}.log"
  echo "fuzzing $target for $DURATION (log: $log)" >&2
  # -max_len=4096: libFuzzer would otherwise take the largest seed (up to 200 KB of SQL) as the mutation limit
  JAZZER_FUZZ=1 mvn -B -ntp -o verify -pl sluice-postgres -am -Dtest="$target" -Dsurefire.failIfNoSpecifiedTests=false \
      -Dsluice.jazzer.hooks=true -Djazzer.max_duration="$DURATION" -Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1=-max_len=4096 \
      -Dsluice.test.argLine="--enable-native-access=ALL-UNNAMED -XX:+EnableDynamicAgentLoading -Xmx${FUZZ_HEAP:-1g}" \
      >"$log" 2>&1
  rc=$?
  last=$(grep -E '^#[0-9]+' "$log" | grep -E 'cov:' | tail -1)
  runs=$(grep -oE '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1 | awk '{print $2}')
  secs=$(grep -oE '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1 | awk '{print $5}')
  cov=$(grep -oE 'cov: [0-9]+' <<<"$last" | awk '{print $2}')
  ft=$(grep -oE 'ft: [0-9]+' <<<"$last" | awk '{print $2}')
  corp=$(grep -oE 'corp: [0-9]+' <<<"$last" | awk '{print $2}')
  eps=$([[ -n "$runs" && -n "$secs" && "$secs" -gt 0 ]] && echo $((runs / secs)) || grep -oE 'exec/s: [0-9]+' <<<"$last" | awk '{print $2}')
  if ((rc == 0)); then result=clean; else result="FINDING or failure (exit $rc, see log)"; status=1; fi
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$target" "${runs:--}" "${eps:--}" "${cov:--}" "${ft:--}" \
      "${corp:--}" "$result" >>"$OUT/summary.md"
done
cat "$OUT/summary.md"
git -C "$ROOT" status --short -- 'sluice-postgres/src/test/resources' | grep -E 'crash-|timeout-|slow-unit-' || true
exit $status
