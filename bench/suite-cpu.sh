#!/usr/bin/env bash
# Where the test suite's CPU goes: runs a command (default: bin/sluice-test) in a cgroup-v1 cpuacct group, so the total
# counts every process it starts (PostgreSQL daemons included), samples each process's CPU every INTERVAL seconds
# (default 3; the sampler runs outside the group but competes for the cores, so wall time reads ~15% longer), and prints
# the total and the CPU per kind of process (surefire JVM per module, Maven, PostgreSQL, Keycloak, Chromium, ...).
# Needs root and /sys/fs/cgroup/cpuacct. Usage: bench/suite-cpu.sh [command...]
set -euo pipefail
cd "$(dirname "$0")/.."
interval=${INTERVAL:-3}
group=/sys/fs/cgroup/cpuacct/sluice-suite-$$
out=$(mktemp -d /tmp/sluice-suite-cpu-XXXXXX)
mkdir "$group"
trap 'rmdir "$group" 2>/dev/null || true' EXIT
(
  while [ -d "$group" ]; do
    for p in $(cat "$group/cgroup.procs" 2>/dev/null); do
      [ -r "/proc/$p/stat" ] || continue
      read -r st < "/proc/$p/stat" || continue
      set -- ${st#*) }
      printf '%s %s %s\n' "$p" "$(( ${12} + ${13} ))" "$(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | cut -c1-300)"
    done > "$out/sample.$(date +%s%N)"
    sleep "$interval"
  done
) &
sampler=$!
start=$(date +%s)
set +e
bash -c 'echo $$ > "$1/cgroup.procs"; shift; exec "$@"' _ "$group" "${@:-bin/sluice-test}"
rc=$?
set -e
kill "$sampler" 2>/dev/null || true
echo "exit $rc, wall $(( $(date +%s) - start )) s, CPU $(( $(cat "$group/cpuacct.usage") / 1000000000 )) s"
python3 - "$out" <<'PY'
import collections, glob, re, sys
last = {}
for f in sorted(glob.glob(sys.argv[1] + '/sample.*')):
    for line in open(f, errors='replace'):
        parts = line.rstrip('\n').split(' ', 2)
        if len(parts) < 2 or not parts[1].isdigit():
            continue
        cmd = parts[2] if len(parts) > 2 else ''
        last[parts[0]] = (int(parts[1]), cmd or last.get(parts[0], (0, ''))[1])
def kind(cmd):
    if 'surefire' in cmd:
        m = re.search(r'/(sluice-[a-z]+)/target/', cmd)
        return 'surefire ' + (m.group(1) if m else '?')
    if 'plexus-classworlds' in cmd: return 'maven'
    if 'keycloak' in cmd or 'quarkus' in cmd: return 'keycloak'
    if 'SluiceCli' in cmd: return 'child sluice JVM'
    word = cmd.split(' ')[0]
    return 'postgres' if word.startswith('postgres') or word.endswith('/postgres') else (word.split('/')[-1] or '?')
per = collections.Counter()
for ticks, cmd in last.values():
    per[kind(cmd)] += ticks / 100
for name, seconds in per.most_common(20):
    print(f'{seconds:8.1f} s  {name}')
print(f'{sum(per.values()):8.1f} s  sampled (short-lived processes between samples are in the total only)')
PY
exit $rc
