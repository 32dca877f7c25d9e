#!/usr/bin/env bash
# Compares SSH direct and through Sluice (recording on) in one run on this machine, with the real OpenSSH client
# and a throwaway sshd: scp of a file (SIZE_MB, default 1024), a loop of EXECS short `ssh host true` (connection
# setup, default 200), and interactive echo latency (ECHOES lines through `ssh host cat`, default 200), plus the CPU
# seconds the Sluice process spent on the scp (steadier than wall-clock on a loaded machine) and its write system
# calls per MiB (about one per SSH packet it sends; a count, not a time). Prints a Markdown table with the ratios (direct time / Sluice time for throughput; Sluice / direct for latency).
#
#   bench/ssh-compare.sh
#   CIPHER=aes128-gcm@openssh.com bench/ssh-compare.sh   # the same cipher on the direct leg and the caller's leg
#   ROUNDS=3 SCP_MODES="sftp legacy" EXECS=0 ECHOES=0 bench/ssh-compare.sh   # scp only, both modes, 3 rounds
#   BASELINE=/tmp/sluice-old ROUNDS=3 bench/ssh-compare.sh   # also a second Sluice build, alternating with this one
#
# ROUNDS alternates direct and Sluice (and BASELINE) scp after scp, so that each round's figures share one load.
# SCP_MODES: sftp (OpenSSH 9's default) and/or legacy (`scp -O`, the scp protocol that Sluice's ScpGate judges).
# BASELINE is a directory holding another build's bin/sluice and sluice-server/target (jar and lib/): it gets its own
# port, data directory and token, and the same sshd.
#
# Without CIPHER each leg negotiates as OpenSSH does: the direct leg chacha20-poly1305@openssh.com (OpenSSH's first
# choice), the caller's leg to Sluice aes128-gcm@openssh.com (Sluice's listener offers AES-GCM only; builds before
# that got aes128-ctr with hmac-sha2-256-etm). The output's first line says which cipher each leg used.
#
# Needs root (sshd and its throwaway user), openssh-server, sshpass, python3, and a built Sluice (bin/sluice).
# Everything runs on 127.0.0.1 in a temp dir that is removed, with every process it started stopped, on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIZE_MB=${SIZE_MB:-1024}
EXECS=${EXECS:-200}
ECHOES=${ECHOES:-200}
CIPHER=${CIPHER:-}
WARMUP_MB=${WARMUP_MB:-0}
for tool in /usr/sbin/sshd ssh scp sshpass python3 ssh-keygen; do
    command -v "$tool" >/dev/null || { echo "missing: $tool (bin/sluice-prereqs test)" >&2; exit 1; }
done
log() { echo "[ssh-compare] $*" >&2; }
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for_port() {
    local i
    for ((i = 0; i < $2 * 10; i++)); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
    echo "$3 did not open port $1 within $2 s" >&2; return 1
}

WORK=$(mktemp -d /tmp/sluice-ssh-bench-XXXXXX)
chmod 755 "$WORK"
USER_NAME="slb$RANDOM"
SSHD_PID="" SLUICE_PID="" BASE_PID=""
ROUNDS=${ROUNDS:-1}
SCP_MODES=${SCP_MODES:-sftp}
BASELINE=${BASELINE:-}
cleanup() {
    [[ -n $SLUICE_PID ]] && kill -- "-$SLUICE_PID" 2>/dev/null || true
    [[ -n $BASE_PID ]] && kill -- "-$BASE_PID" 2>/dev/null || true
    [[ -n $SSHD_PID ]] && kill "$SSHD_PID" 2>/dev/null || true
    pkill -KILL -u "$USER_NAME" 2>/dev/null || true
    userdel -f "$USER_NAME" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p /run/sshd
useradd --no-user-group --gid nogroup --home-dir "$WORK/home" --create-home --shell /bin/sh "$USER_NAME"
usermod -p '*' "$USER_NAME"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/host" -C bench-host
ssh-keygen -q -t ed25519 -N '' -f "$WORK/key" -C bench-key
cp "$WORK/key.pub" "$WORK/authorized_keys"
SSHD_PORT=$(port)
cat > "$WORK/sshd_config" <<CFG
Port $SSHD_PORT
ListenAddress 127.0.0.1
HostKey $WORK/host
PidFile $WORK/sshd.pid
UsePAM no
StrictModes no
AuthorizedKeysFile $WORK/authorized_keys
PasswordAuthentication no
AllowUsers $USER_NAME
MaxStartups 200:30:400
Subsystem sftp internal-sftp
CFG
/usr/sbin/sshd -D -e -f "$WORK/sshd_config" 2> "$WORK/sshd.log" &
SSHD_PID=$!
wait_for_port "$SSHD_PORT" 10 sshd

# writes a Sluice config for the data directory $1 and port $2
sluice_config() {
cat <<YAML
listen:
  postgres: off
  http: 127.0.0.1:$(port)
  ssh: 127.0.0.1:$2
data-dir: $1
identity:
  dev-issuer: true
connections:
  - name: bench
    type: ssh
    address: 127.0.0.1:$SSHD_PORT
    user: $USER_NAME
    private-key: \${file:$WORK/key}
    host-key: "$(cat "$WORK/host.pub")"
    allow:
      groups: [bench]
YAML
}
SLUICE_PORT=$(port)
sluice_config "$WORK/data" "$SLUICE_PORT" > "$WORK/sluice.yaml"
export SSHPASS
SSHPASS=$(SLUICE_JAVA_OPTS= "$ROOT/bin/sluice" token --config "$WORK/sluice.yaml" --subject bench-agent --groups bench --ttl 2h 2>/dev/null)
TOKEN_SLUICE=$SSHPASS
setsid "$ROOT/bin/sluice" serve --config "$WORK/sluice.yaml" > "$WORK/sluice.log" 2>&1 &
SLUICE_PID=$!
if [[ -n $BASELINE ]]; then
    BASE_PORT=$(port)
    sluice_config "$WORK/data-base" "$BASE_PORT" > "$WORK/base.yaml"
    TOKEN_BASE=$(SLUICE_JAVA_OPTS= "$BASELINE/bin/sluice" token --config "$WORK/base.yaml" --subject bench-agent --groups bench --ttl 2h 2>/dev/null)
    setsid "$BASELINE/bin/sluice" serve --config "$WORK/base.yaml" > "$WORK/base.log" 2>&1 &
    BASE_PID=$!
    wait_for_port "$BASE_PORT" 60 "baseline sluice"
fi
wait_for_port "$SLUICE_PORT" 60 sluice

COMMON=(-F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR)
[[ -n $CIPHER ]] && COMMON+=(-o "Ciphers=$CIPHER")
# the cipher a leg negotiates, from the client's debug output
negotiated() { "$@" -v true 2>&1 | sed -n 's/.*kex: client->server cipher: \([^ ]*\) MAC: \([^ ]*\).*/\1 \2/p' | head -1 || true; }
CIPHER_DIRECT=$(negotiated ssh "${COMMON[@]}" -o IdentitiesOnly=yes -i "$WORK/key" -p "$SSHD_PORT" "$USER_NAME@127.0.0.1")
CIPHER_SLUICE=$(negotiated sshpass -e ssh "${COMMON[@]}" -o PreferredAuthentications=password -o PubkeyAuthentication=no \
    -p "$SLUICE_PORT" bench@127.0.0.1)
DIRECT=("${COMMON[@]}" -o IdentitiesOnly=yes -i "$WORK/key")
VIA=("${COMMON[@]}" -o PreferredAuthentications=password -o PubkeyAuthentication=no)
seconds() { python3 -c 'import time; print(time.monotonic())'; }
elapsed() { python3 -c "print(round($2 - $1, 3))"; }
ratio() { python3 -c "print(round($1 / $2, 2))"; }

head -c "$((SIZE_MB * 1024 * 1024))" /dev/urandom > "$WORK/big.bin"
if ((WARMUP_MB > 0)); then
    log "warm-up: scp of $WARMUP_MB MiB through Sluice (not timed)"
    head -c "$((WARMUP_MB * 1024 * 1024))" "$WORK/big.bin" > "$WORK/warm.bin"
    sshpass -e scp -q "${VIA[@]}" -P "$SLUICE_PORT" "$WORK/warm.bin" "bench@127.0.0.1:warm.bin"
    [[ -n $BASELINE ]] && SSHPASS=$TOKEN_BASE sshpass -e scp -q "${VIA[@]}" -P "$BASE_PORT" "$WORK/warm.bin" \
        "bench@127.0.0.1:warm.bin"
    rm -f "$WORK/warm.bin" "$WORK/home/warm.bin"
fi
LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg)
# CPU seconds (user + system) a process has used: on a loaded machine the wall-clock ratio moves between runs, the
# CPU that Sluice spends per byte much less
cpu() { python3 -c "import os; f=open('/proc/$1/stat').read().rsplit(')',1)[1].split(); print((int(f[11])+int(f[12]))/os.sysconf('SC_CLK_TCK'))"; }
# write system calls a process has made (each SSH packet Sluice sends to the target is one): a count, not a time,
# so it does not move with the load
writes() { sed -n 's/^syscw: //p' "/proc/$1/io"; }
ROWS=""
SCP_DIRECT="" SCP_SLUICE="" SCP_CPU=""
for ((round = 1; round <= ROUNDS; round++)); do
    for mode in $SCP_MODES; do
        flag=(); [[ $mode == legacy ]] && flag=(-O)
        log "round $round: scp ($mode) of $SIZE_MB MiB"
        load=$(cut -d' ' -f1 /proc/loadavg)
        rm -f "$WORK/home/direct.bin" "$WORK/home/sluice.bin" "$WORK/home/base.bin"
        t0=$(seconds); scp -q "${flag[@]}" "${DIRECT[@]}" -P "$SSHD_PORT" "$WORK/big.bin" "$USER_NAME@127.0.0.1:direct.bin"; t1=$(seconds)
        d=$(elapsed "$t0" "$t1")
        c0=$(cpu "$SLUICE_PID"); w0=$(writes "$SLUICE_PID")
        SSHPASS=$TOKEN_SLUICE sshpass -e scp -q "${flag[@]}" "${VIA[@]}" -P "$SLUICE_PORT" "$WORK/big.bin" "bench@127.0.0.1:sluice.bin"; t2=$(seconds)
        c1=$(cpu "$SLUICE_PID"); w1=$(writes "$SLUICE_PID")
        cmp "$WORK/big.bin" "$WORK/home/sluice.bin"
        v=$(elapsed "$t1" "$t2"); vc=$(elapsed "$c0" "$c1")
        SCP_DIRECT=$d SCP_SLUICE=$v SCP_CPU=$vc
        row="| $round | $mode | $load | $d | $v | $(ratio "$d" "$v")× | $(python3 -c "print(round($vc * 1024 / $SIZE_MB, 2))") | $(((w1 - w0) / SIZE_MB))"
        if [[ -n $BASELINE ]]; then
            t3=$(seconds); b0=$(cpu "$BASE_PID"); bw0=$(writes "$BASE_PID")
            SSHPASS=$TOKEN_BASE sshpass -e scp -q "${flag[@]}" "${VIA[@]}" -P "$BASE_PORT" "$WORK/big.bin" "bench@127.0.0.1:base.bin"
            t4=$(seconds); b1=$(cpu "$BASE_PID"); bw1=$(writes "$BASE_PID")
            cmp "$WORK/big.bin" "$WORK/home/base.bin"
            b=$(elapsed "$t3" "$t4"); bc=$(elapsed "$b0" "$b1")
            row="$row | $b | $(ratio "$d" "$b")× | $(python3 -c "print(round($bc * 1024 / $SIZE_MB, 2))") | $(((bw1 - bw0) / SIZE_MB))"
        fi
        ROWS="$ROWS$row |"$'\n'
    done
done
LOAD_AFTER=$(cut -d' ' -f1 /proc/loadavg)
rm -f "$WORK/home/direct.bin" "$WORK/home/sluice.bin" "$WORK/home/base.bin"

log "$EXECS x ssh host true"
t0=$(seconds)
for ((i = 0; i < EXECS; i++)); do ssh "${DIRECT[@]}" -p "$SSHD_PORT" "$USER_NAME@127.0.0.1" true; done
t1=$(seconds)
for ((i = 0; i < EXECS; i++)); do sshpass -e ssh "${VIA[@]}" -p "$SLUICE_PORT" bench@127.0.0.1 true; done
t2=$(seconds)
EXEC_DIRECT=$(elapsed "$t0" "$t1"); EXEC_SLUICE=$(elapsed "$t1" "$t2")

log "$ECHOES echoes through ssh host cat"
echo_latency() { # prints the median round trip in ms of one line through `ssh ... cat`
    python3 - "$ECHOES" "$@" <<'PY'
import subprocess, sys, time, statistics
n = int(sys.argv[1]); cmd = sys.argv[2:]
p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
p.stdin.write(b"warm-up\n"); p.stdout.readline()
rtts = []
for i in range(n):
    t = time.perf_counter(); p.stdin.write(b"x" * 16 + b"\n"); p.stdout.readline(); rtts.append(time.perf_counter() - t)
p.stdin.close(); p.wait()
print(round(statistics.median(rtts) * 1000, 3))
PY
}
if ((ECHOES > 0)); then
    ECHO_DIRECT=$(echo_latency ssh "${DIRECT[@]}" -p "$SSHD_PORT" "$USER_NAME@127.0.0.1" cat)
    ECHO_SLUICE=$(echo_latency sshpass -e ssh "${VIA[@]}" -p "$SLUICE_PORT" bench@127.0.0.1 cat)
fi

BASE_HEAD="" BASE_SEP=""
[[ -n $BASELINE ]] && BASE_HEAD=" baseline (s) | baseline ratio | baseline CPU s/GiB | baseline writes/MiB |" BASE_SEP="---|---|---|---|"
cat <<TABLE
cipher, MAC (client to server): direct $CIPHER_DIRECT; through Sluice $CIPHER_SLUICE; load average $LOAD_BEFORE → $LOAD_AFTER during the scp rounds

| round | scp mode | load | direct (s) | Sluice (s) | ratio (direct throughput) | Sluice CPU s/GiB | Sluice writes/MiB |$BASE_HEAD
|---|---|---|---|---|---|---|---|$BASE_SEP
$ROWS
TABLE
if ((EXECS > 0)); then
    echo "| $EXECS × \`ssh host true\` (s) | $EXEC_DIRECT | $EXEC_SLUICE | $(ratio "$EXEC_DIRECT" "$EXEC_SLUICE")× direct rate |"
fi
if ((ECHOES > 0)); then
    echo "| echo round trip, median (ms) | $ECHO_DIRECT | $ECHO_SLUICE | $(ratio "$ECHO_SLUICE" "$ECHO_DIRECT")× direct latency |"
fi
