#!/usr/bin/env bash
# Kill -9 in the middle of draining: edgegw's outbox versus a Mosquitto bridge.
#
# Both sides get the same job and the same fault:
#   1. an upstream broker (the "cloud") with a relay-like subscriber holding a persistent session;
#   2. the upstream goes down; N messages are acknowledged by the edge side
#      (edgegw: `edgegw outbox inject`, durable; Mosquitto: QoS 1 publishes into the local broker);
#   3. the upstream comes back; the edge side drains to it;
#   4. when the subscriber has seen ~20 %, the edge process gets SIGKILL, then is started again;
#   5. once nothing more arrives, the unique messages at the subscriber are counted.
# Mosquitto runs twice: with its default max_queued_messages (1000) and with an unlimited queue,
# both with persistence on (autosave every 30 min by default).
#
# Usage: tests/EdgeGateway.Uplink.Tests/scripts/compare-bridge-kill9.sh [count]
# Prints one JSON line per run, then a summary line. Needs mosquitto, mosquitto_pub/sub and the .NET SDK.
set -euo pipefail

COUNT="${1:-10000}"
KILL_AT=$((COUNT / 5))
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
WORK="$(mktemp -d /tmp/edgegw-bridge-compare.XXXXXX)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

MOSQUITTO="$(command -v mosquitto || echo /usr/sbin/mosquitto)"
USER_LINE=""
if [ "$(id -u)" = 0 ]; then USER_LINE="user root"; fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; echo "port $1 never opened" >&2; return 1; }
lines() { [ -f "$1" ] && wc -l <"$1" | tr -d ' ' || echo 0; }
unique() { [ -f "$1" ] && sort -u "$1" | wc -l | tr -d ' ' || echo 0; }
wait_lines() { # file target timeout_s
  local end=$((SECONDS + $3)); while [ "$(lines "$1")" -lt "$2" ] && [ $SECONDS -lt $end ]; do sleep 0.01; done; }
wait_quiet() { # file quiet_s timeout_s
  local end=$((SECONDS + $3)) last=-1 since=$SECONDS n
  while [ $SECONDS -lt $end ]; do
    n=$(lines "$1"); if [ "$n" != "$last" ]; then last=$n; since=$SECONDS; elif [ $((SECONDS - since)) -ge "$2" ]; then return; fi
    sleep 0.2
  done; }

EDGEGW_DLL="${EDGEGW_DLL:-}"
if [ -z "$EDGEGW_DLL" ]; then
  dotnet build "$ROOT/edge/EdgeGateway.Host" -c Release -o "$WORK/edgegw" -v quiet -nologo >/dev/null
  EDGEGW_DLL="$WORK/edgegw/edgegw.dll"
fi

# An upstream broker with persistence, so the subscriber's session survives its restart.
start_upstream() { # dir port
  mkdir -p "$1"
  printf '%s\nlistener %s 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location %s/\nmax_queued_messages 0\nmax_inflight_messages 0\n' \
    "$USER_LINE" "$2" "$1" >"$1/mosquitto.conf"
  "$MOSQUITTO" -c "$1/mosquitto.conf" >>"$1/log" 2>&1 &
  UPSTREAM_PID=$!; PIDS+=("$UPSTREAM_PID"); wait_port "$2"; }
stop_upstream() { kill -TERM "$UPSTREAM_PID"; wait "$UPSTREAM_PID" 2>/dev/null || true; }
start_subscriber() { # port out-file
  mosquitto_sub -h 127.0.0.1 -p "$1" -t 'edge/+/+/alert' -q 1 -c -i "relay-$RANDOM" -F '%x' >>"$2" 2>/dev/null &
  SUB_PID=$!; PIDS+=("$SUB_PID"); sleep 0.3; }

report() { # name unique total
  local lost=$((COUNT - $2)) dups=$(($3 - $2))
  echo "{\"run\":\"$1\",\"acknowledged\":$COUNT,\"unique_received\":$2,\"lost\":$lost,\"duplicates\":$dups}"; }

run_edgegw() {
  local dir="$WORK/edgegw-run" up; up=$(free_port); mkdir -p "$dir"
  start_upstream "$dir/upstream" "$up"; start_subscriber "$up" "$dir/received"; stop_upstream
  cat >"$dir/edgegw.json" <<EOF
{ "Device": { "Id": "dev-1", "Site": "site-1" },
  "Storage": { "DataDir": "$dir/data" },
  "Uplink": { "Broker": "mqtt://127.0.0.1:$up", "Window": 64, "ReconnectMinMs": 100, "ReconnectMaxMs": 1000 } }
EOF
  dotnet "$EDGEGW_DLL" outbox inject --config "$dir/edgegw.json" --count "$COUNT" >/dev/null
  dotnet "$EDGEGW_DLL" outbox drain --config "$dir/edgegw.json" >>"$dir/drain.log" 2>&1 &
  local drain=$!; PIDS+=("$drain")
  start_upstream "$dir/upstream" "$up"
  wait_lines "$dir/received" "$KILL_AT" 60
  kill -9 "$drain"; wait "$drain" 2>/dev/null || true
  local at_kill; at_kill=$(unique "$dir/received")
  dotnet "$EDGEGW_DLL" outbox drain --config "$dir/edgegw.json" --until-empty >>"$dir/drain.log" 2>&1
  wait_quiet "$dir/received" 2 60
  echo "edgegw: $at_kill unique at kill -9" >&2
  report "edgegw-outbox" "$(unique "$dir/received")" "$(lines "$dir/received")"
  kill "$SUB_PID" 2>/dev/null || true; stop_upstream; }

run_bridge() { # name max_queued
  local dir="$WORK/$1" up local_port; up=$(free_port); local_port=$(free_port); mkdir -p "$dir/local"
  start_upstream "$dir/upstream" "$up"; start_subscriber "$up" "$dir/received"; stop_upstream
  printf '%s\nlistener %s 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location %s/\nmax_queued_messages %s\n\nconnection cloud\naddress 127.0.0.1:%s\ntopic edge/# out 1\ncleansession false\nrestart_timeout 1 2\n' \
    "$USER_LINE" "$local_port" "$dir/local" "$2" "$up" >"$dir/local/mosquitto.conf"
  "$MOSQUITTO" -c "$dir/local/mosquitto.conf" >>"$dir/local/log" 2>&1 &
  local edge=$!; PIDS+=("$edge"); wait_port "$local_port"
  # N QoS 1 publishes, each acknowledged (PUBACK) by the local broker; payload = unique id.
  seq -f 'alert-%06g' 1 "$COUNT" | mosquitto_pub -h 127.0.0.1 -p "$local_port" -t edge/site-1/dev-1/alert -q 1 -l
  start_upstream "$dir/upstream" "$up"
  wait_lines "$dir/received" "$KILL_AT" 20
  kill -9 "$edge"; wait "$edge" 2>/dev/null || true
  local at_kill; at_kill=$(unique "$dir/received")
  "$MOSQUITTO" -c "$dir/local/mosquitto.conf" >>"$dir/local/log" 2>&1 &
  edge=$!; PIDS+=("$edge"); wait_port "$local_port"
  wait_quiet "$dir/received" 3 60
  echo "$1: $at_kill unique at kill -9" >&2
  report "$1" "$(unique "$dir/received")" "$(lines "$dir/received")"
  kill -9 "$edge" 2>/dev/null || true; kill "$SUB_PID" 2>/dev/null || true; stop_upstream; }

A=$(run_edgegw); echo "$A"
B=$(run_bridge mosquitto-bridge-default-queue 1000); echo "$B"
C=$(run_bridge mosquitto-bridge-unlimited-queue 0); echo "$C"
lost() { sed -E 's/.*"lost":([0-9-]+).*/\1/' <<<"$1"; }
echo "{\"count\":$COUNT,\"lost_edgegw\":$(lost "$A"),\"lost_mosquitto_bridge_default\":$(lost "$B"),\"lost_mosquitto_bridge_unlimited\":$(lost "$C")}"
