#!/usr/bin/env bash
# The audit store's throughput and group-commit latency (embedded SQLite in both sync modes, and PostgreSQL): runs the
# sluice-store tests tagged "benchmark" (AuditThroughputTest, GroupCommitTest#reportsThroughput), which the suite
# leaves out, and prints their figures (docs/benchmarks.md, "Audit store").
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
cd "$ROOT"
mvn -B -ntp -q verify -pl sluice-store -am -Dspotless.check.skip=true -Dsluice.test.excludedGroups= -Dgroups=benchmark \
    -Dsurefire.failIfNoSpecifiedTests=false
grep -h "audit" sluice-store/target/surefire-reports/*-output.txt
