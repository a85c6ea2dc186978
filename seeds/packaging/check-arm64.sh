#!/usr/bin/env bash
# Runs the linux-arm64 build of edgegw on this x86-64 machine under Debian's qemu-user-static and
# checks what an installer would notice. One PASS/FAIL line per check with its time; exits 1 on any
# failure. Needs `./build.sh publish-arm64` first (artifacts/edgegw-linux-arm64, the .deb) and the
# x64 build (`./build.sh test` leaves it; built here when missing), whose output `detect` must match.
#   seeds/packaging/check-arm64.sh
# Under emulation: .NET needs DOTNET_EnableWriteXorExecute=0, and ONNX Runtime's CPU probe needs an
# aarch64 /proc/cpuinfo, so each emulated run gets qemu-aarch64-cpuinfo.txt bind-mounted over
# /proc/cpuinfo in a private mount namespace of its own.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"

artifact="$repo/artifacts/edgegw-linux-arm64"
x64_dll="$repo/edge/EdgeGateway.Host/bin/Release/net10.0/edgegw.dll"
shared="${EDGEGW_SHARED:-$repo/../shared}"
image="$shared/images/street-bicycle-dog.jpg"
clip="$shared/video/street-720p-10fps.mp4"
models="$repo/.models"
scenario="$repo/seeds/scenarios/trapped_between_floors.jsonl"
cpuinfo="$here/qemu-aarch64-cpuinfo.txt"
deb="$(ls -t "$repo"/artifacts/edgegw_*_arm64.deb 2>/dev/null | head -1)"
work="$(mktemp -d "${TMPDIR:-/tmp}/edgegw-check-arm64.XXXXXX")"
chmod 700 "$work"
failures=0
pids=()

cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT

# check NAME TIMEOUT_SECONDS COMMAND...: runs COMMAND (a function of this script) under a time
# limit, prints one PASS/FAIL line with its seconds; the reason of a failure is on the lines before.
run_check() {
  local name="$1" limit="$2"
  shift 2
  local started=$SECONDS status
  timeout --kill-after=10 "$limit" bash -c "$(declare -f); $(printf '%q ' "$@")" >"$work/$name.log" 2>&1
  status=$?
  local took=$((SECONDS - started))
  if ((status == 0)); then
    printf 'PASS %-22s %4d s\n' "$name" "$took"
  else
    ((status == 124 || status == 137)) && echo "timed out after $limit s" >>"$work/$name.log"
    sed 's/^/     | /' "$work/$name.log" | tail -40
    printf 'FAIL %-22s %4d s\n' "$name" "$took"
    failures=$((failures + 1))
  fi
}

# emulated ARGS...: the arm64 binary under qemu, in its own mount namespace with the aarch64
# cpuinfo. EDGEGW_ARM64_DIR picks another copy of the publish (the missing-library checks).
emulated() {
  local dir="${EDGEGW_ARM64_DIR:-$ARTIFACT}" hide="${EDGEGW_HIDE:-}"
  local ns=(unshare --mount --propagation private)
  [[ $(id -u) -eq 0 ]] || ns=(unshare --user --map-root-user --mount --propagation private)
  DOTNET_EnableWriteXorExecute=0 DOTNET_gcServer=0 "${ns[@]}" sh -c '
    mount --bind "$1" /proc/cpuinfo || exit 97
    if [ -n "$2" ]; then mount --bind /dev/null "$2" || exit 98; fi
    shift 2
    exec qemu-aarch64-static "$@"' sh "$CPUINFO" "$hide" "$dir/edgegw" "$@"
}

x64() { dotnet "$X64_DLL" "$@"; }

export ARTIFACT="$artifact" CPUINFO="$cpuinfo" X64_DLL="$x64_dll" WORK="$work" REPO="$repo" \
  IMAGE="$image" CLIP="$clip" MODELS="$models" SCENARIO="$scenario" DEB="$deb"

# ---- checks -----------------------------------------------------------------------------------

deb_package() {
  [[ -f $DEB ]] || { echo "no artifacts/edgegw_*_arm64.deb; run ./build.sh publish-arm64"; return 1; }
  local info contents expected ok=0
  info="$(dpkg-deb -I "$DEB")" || return 1
  contents="$(dpkg-deb -c "$DEB")" || return 1
  expected="$(grep -v -e '^#' -e '^[[:space:]]*$' "$REPO/seeds/packaging/runtime-packages.txt" | paste -sd, | sed 's/,/, /g')"
  [[ $(dpkg-deb -f "$DEB" Package) == edgegw ]] || { echo "Package is not edgegw"; ok=1; }
  [[ $(dpkg-deb -f "$DEB" Architecture) == arm64 ]] || { echo "Architecture is not arm64"; ok=1; }
  [[ $(dpkg-deb -f "$DEB" Depends) == "$expected" ]] || { echo "Depends '$(dpkg-deb -f "$DEB" Depends)' != '$expected'"; ok=1; }
  for path in ./opt/edgegw/edgegw ./opt/edgegw/libOpenCvSharpExtern.so ./opt/edgegw/libonnxruntime.so \
              ./lib/systemd/system/edgegw.service ./lib/systemd/system/edgegw.path; do
    grep -q " $path\$" <<<"$contents" || { echo "missing $path"; ok=1; }
  done
  grep -q ' ./usr/bin/edgegw -> /opt/edgegw/edgegw$' <<<"$contents" || { echo "missing /usr/bin/edgegw symlink"; ok=1; }
  grep -q '^drwxr-xr-x root/root .* \./$' <<<"$contents" || { echo "the package's ./ is not 755"; ok=1; }
  grep -qv ' root/root ' <<<"$contents" && { echo "files not owned by root:"; grep -v ' root/root ' <<<"$contents" | head -3; ok=1; }
  for script in postinst prerm postrm; do
    grep -Eq "^ +[0-9]+ bytes, +[0-9]+ lines +\*? +$script( |$)" <<<"$info" || { echo "no $script"; ok=1; }
  done
  mkdir -p "$WORK/deb" && dpkg-deb -R "$DEB" "$WORK/deb"
  cmp -s "$WORK/deb/lib/systemd/system/edgegw.service" "$REPO/seeds/systemd/edgegw.service" \
    || { echo "packaged edgegw.service differs from seeds/systemd/edgegw.service"; ok=1; }
  # postinst, read: the service user, 700 folders owned by it, systemctl only when systemd runs.
  grep -q 'useradd --system' "$WORK/deb/DEBIAN/postinst" || { echo "postinst creates no system user"; ok=1; }
  grep -q 'install -d -m 700 -o edgegw -g edgegw' "$WORK/deb/DEBIAN/postinst" || { echo "postinst makes no 700 folders"; ok=1; }
  grep -q 'for dir in /etc/edgegw /var/lib/edgegw' "$WORK/deb/DEBIAN/postinst" || { echo "postinst misses /etc/edgegw or /var/lib/edgegw"; ok=1; }
  grep -q '\[ -d /run/systemd/system \]' "$WORK/deb/DEBIAN/postinst" || { echo "postinst calls systemctl unguarded"; ok=1; }
  sh -n "$WORK/deb/DEBIAN/postinst" && sh -n "$WORK/deb/DEBIAN/prerm" && sh -n "$WORK/deb/DEBIAN/postrm" || ok=1
  return $ok
}

native_library() {
  local so="$ARTIFACT/libOpenCvSharpExtern.so" ok=0
  [[ -f $so ]] || { echo "$so missing"; return 1; }
  file -L "$so" | grep -q 'ELF 64-bit LSB shared object, ARM aarch64' || { file -L "$so"; ok=1; }
  file -L "$ARTIFACT/edgegw" | grep -q 'ARM aarch64' || { file -L "$ARTIFACT/edgegw"; ok=1; }
  # Only the four Debian OpenCV modules and the C/C++ runtime, nothing else.
  local allowed='^(libopencv_(core|imgproc|imgcodecs|videoio)\.so\.406|libstdc\+\+\.so\.6|libm\.so\.6|libgcc_s\.so\.1|libc\.so\.6|ld-linux-aarch64\.so\.1)$'
  local needed
  needed="$(readelf -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')"
  echo "NEEDED: $(echo $needed)"
  grep -Ev "$allowed" <<<"$needed" && { echo "needs more than core, imgproc, imgcodecs, videoio"; ok=1; }
  # Every one resolves on this multiarch system (the libopencv-*406:arm64 runtime packages).
  local resolved
  resolved="$(qemu-aarch64-static /lib/ld-linux-aarch64.so.1 --list "$so")" || ok=1
  echo "$resolved"
  grep -q 'not found' <<<"$resolved" && ok=1
  return $ok
}

version() {
  local out
  out="$(emulated --version)" || return 1
  echo "edgegw --version (arm64): $out"
  [[ -n $out ]]
}

detect() {
  if [[ ! -f $MODELS/yolox-nano-coco80/model.json && -z $(ls "$MODELS"/yolox-nano-coco80/*.onnx 2>/dev/null) ]]; then
    x64 models fetch --model yolox-nano-coco80 --models-dir "$MODELS" || return 1
  fi
  x64 detect --model yolox-nano-coco80 --models-dir "$MODELS" "$IMAGE" >"$WORK/detect-x64.json" || return 1
  emulated detect --model yolox-nano-coco80 --models-dir "$MODELS" "$IMAGE" >"$WORK/detect-arm64.json" || return 1
  echo "x64:   $(cat "$WORK/detect-x64.json")"
  echo "arm64: $(cat "$WORK/detect-arm64.json")"
  cp "$WORK/detect-x64.json" "$WORK/detect-arm64.json" "$REPO/artifacts/" 2>/dev/null
  python3 - "$WORK/detect-x64.json" "$WORK/detect-arm64.json" <<'PY'
import json, sys
x64, arm = (json.loads(open(p).readline())["detections"] for p in sys.argv[1:3])
def iou(a, b):
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0])); h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
    return w * h / union if union > 0 else 0.0
if not x64:
    sys.exit("the x64 build detected nothing; the comparison would prove nothing")
if sorted(d["label"] for d in x64) != sorted(d["label"] for d in arm):
    sys.exit(f"labels differ: x64 {sorted(d['label'] for d in x64)} arm64 {sorted(d['label'] for d in arm)}")
left = list(arm)
for d in x64:
    best = max((o for o in left if o["label"] == d["label"]), key=lambda o: iou(d["box"], o["box"]))
    left.remove(best)
    score = iou(d["box"], best["box"])
    print(f"{d['label']:<10} x64 {d['score']:.3f} arm64 {best['score']:.3f} IoU {score:.4f}")
    if score < 0.99:
        sys.exit(f"{d['label']}: IoU {score:.4f} < 0.99")
PY
}

replay() {
  x64 replay --scenario "$SCENARIO" >"$WORK/replay-x64.jsonl" || return 1
  emulated replay --scenario "$SCENARIO" >"$WORK/replay-arm64.jsonl" || return 1
  cat "$WORK/replay-arm64.jsonl"
  python3 - "$WORK/replay-x64.jsonl" "$WORK/replay-arm64.jsonl" <<'PY'
import json, sys
def alerts(path):
    return [(a.get("kind"), a.get("state"), a.get("t", a.get("at"))) for a in map(json.loads, filter(str.strip, open(path)))]
x64, arm = alerts(sys.argv[1]), alerts(sys.argv[2])
if not arm:
    sys.exit("the scenario raised no alert")
if not any(kind and kind.startswith("trapped") for kind, _, _ in arm):
    sys.exit(f"no trapped alert: {arm}")
if x64 != arm:
    sys.exit(f"arm64 alerts differ from x64: {arm} vs {x64}")
print(f"{len(arm)} alerts, same as x64")
PY
}

# run: the service for 30 s on the street clip (car camera, e-bike rule) and the simulated elevator
# board, delivering to a real Mosquitto on a random loopback port. The rule fires on one bicycle
# seen and the clip loops, since the emulated detector analyses well under a frame per second.
# stop_tree PID: SIGKILL to PID's children and then PID (a background function's subshell and what it started).
stop_tree() {
  [[ -n ${1:-} ]] || return 0
  pkill -KILL -P "$1" 2>/dev/null
  kill -KILL "$1" 2>/dev/null
  return 0
}

run_service() {
  local port broker_pid sub_pid gw_pid
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  mkdir -p "$WORK/run/data"
  printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stdout\nlog_type all\n' \
    "$port" >"$WORK/run/mosquitto.conf"
  mosquitto -c "$WORK/run/mosquitto.conf" >"$WORK/run/mosquitto.log" 2>&1 & broker_pid=$!
  # The emulated gateway is a child of the background subshell ($gw_pid): stop both, never leave qemu running.
  trap 'stop_tree $gw_pid; kill $sub_pid $broker_pid 2>/dev/null; wait 2>/dev/null' RETURN
  for _ in $(seq 50); do mosquitto_sub -p "$port" -t probe -C 1 -W 1 >/dev/null 2>&1 && break; (( $? == 27 )) && break; sleep 0.2; done
  mosquitto_sub -h 127.0.0.1 -p "$port" -t 'edge/ci-site/gw-arm64-check/alert' -v -C 1 -W 120 >"$WORK/run/received.txt" 2>&1 & sub_pid=$!
  (umask 077 && cat >"$WORK/run/gateway.json" <<JSON
{
  "Device": { "Id": "gw-arm64-check", "Site": "ci-site" },
  "Uplink": { "Broker": "mqtt://127.0.0.1:$port", "Encoding": "json" },
  "Storage": { "DataDir": "$WORK/run/data" },
  "Models": { "CacheDir": "$MODELS" },
  "Diagnostics": { "Url": "http://127.0.0.1:0" },
  "Cameras": [
    { "Id": "car-1", "Url": "$CLIP", "Role": "car", "AnalysisFps": 2, "Loop": true, "Model": "yolox-nano-coco80",
      "Rules": [ { "Kind": "ebike_in_car", "Labels": [ "bicycle", "motorcycle" ], "Hits": 1, "WindowSeconds": 30, "Severity": "Major" } ] }
  ],
  "Elevator": { "Board": "simulated", "Floors": 12, "BottomFloor": 1, "FloorHeightM": 3.0, "RatedSpeedMps": 1.5 },
  "Logging": { "LogLevel": { "Default": "Warning", "EdgeGateway": "Information" } }
}
JSON
  )
  [[ $(stat -c %a "$WORK/run/gateway.json") == 600 ]] || { echo "config not mode 600"; return 1; }
  emulated run --config "$WORK/run/gateway.json" >"$WORK/run/gateway.log" 2>&1 & gw_pid=$!
  local started=$SECONDS
  while ((SECONDS - started < 30)); do
    kill -0 "$gw_pid" 2>/dev/null || { echo "edgegw run exited early:"; tail -20 "$WORK/run/gateway.log"; return 1; }
    sleep 1
  done
  # Give the first alert up to another minute to arrive if emulation made the model slow.
  while kill -0 "$sub_pid" 2>/dev/null && ((SECONDS - started < 90)); do sleep 1; done
  pkill -TERM -P "$gw_pid" 2>/dev/null
  local stopped=$SECONDS
  while kill -0 "$gw_pid" 2>/dev/null && ((SECONDS - stopped < 30)); do sleep 1; done
  stop_tree "$gw_pid"
  mkdir -p "$REPO/artifacts/check-arm64" && cp "$WORK/run/gateway.log" "$WORK/run/mosquitto.log" "$REPO/artifacts/check-arm64/"
  grep -E 'Camera|alert|fail|error' -i "$WORK/run/gateway.log" | head -15
  echo "received: $(head -c 400 "$WORK/run/received.txt")"
  grep -q '^edge/ci-site/gw-arm64-check/alert ' "$WORK/run/received.txt" \
    || { echo "no alert reached the broker"; grep -i 'publish\|connect' "$WORK/run/mosquitto.log" | tail -5; return 1; }
}

# A missing native library: one line naming what to install, non-zero exit, no stack trace.
one_line_failure() {
  local expect="$1"
  shift
  local status
  "$@" >"$WORK/out.txt" 2>"$WORK/err.txt"
  status=$?
  cat "$WORK/out.txt" "$WORK/err.txt"
  ((status != 0)) || { echo "exit 0"; return 1; }
  [[ $(wc -l <"$WORK/err.txt") -eq 1 ]] || { echo "expected one line on stderr"; return 1; }
  grep -q -- "$expect" "$WORK/err.txt" || { echo "expected '$expect'"; return 1; }
  ! grep -q -e 'Exception' -e '   at ' "$WORK/out.txt" "$WORK/err.txt"
}

missing_extern() {
  # A copy of the publish (hard links, instant) without libOpenCvSharpExtern.so.
  cp -al "$ARTIFACT" "$WORK/no-extern" && rm "$WORK/no-extern/libOpenCvSharpExtern.so"
  EDGEGW_ARM64_DIR="$WORK/no-extern" one_line_failure 'libOpenCvSharpExtern.so not found' \
    emulated detect --model yolox-nano-coco80 --models-dir "$MODELS" "$IMAGE"
}

missing_opencv_module() {
  # libopencv_imgcodecs.so.406 made unloadable (only inside the emulated run's mount namespace).
  local lib
  lib="$(readlink -f /usr/lib/aarch64-linux-gnu/libopencv_imgcodecs.so.406)"
  EDGEGW_HIDE="$lib" one_line_failure 'sudo apt-get install libopencv-imgcodecs406' \
    emulated detect --model yolox-nano-coco80 --models-dir "$MODELS" "$IMAGE" || return 1
  cat >"$WORK/doctor.json" <<JSON
{ "Device": { "Id": "gw-arm64-check", "Site": "ci-site" }, "Uplink": { "Broker": "mqtt://127.0.0.1:1" },
  "Storage": { "DataDir": "$WORK/doctor-data" }, "Models": { "CacheDir": "$MODELS" },
  "Cameras": [ { "Id": "car-1", "Url": "$CLIP", "Role": "car", "Model": "yolox-nano-coco80" } ] }
JSON
  chmod 600 "$WORK/doctor.json"
  EDGEGW_HIDE="$lib" emulated doctor --config "$WORK/doctor.json" >"$WORK/doctor.txt" 2>&1
  local status=$?
  cat "$WORK/doctor.txt"
  ((status != 0)) || { echo "doctor exited 0"; return 1; }
  [[ $(grep -c 'libopencv-imgcodecs406' "$WORK/doctor.txt") -ge 1 ]] || { echo "doctor does not name libopencv-imgcodecs406"; return 1; }
  grep -q 'check crashed' "$WORK/doctor.txt" && { echo "a doctor check crashed"; return 1; }
  return 0
}

# ---- main -------------------------------------------------------------------------------------

command -v qemu-aarch64-static >/dev/null || { echo "qemu-aarch64-static missing; run ./build.sh deps-arm64" >&2; exit 1; }
[[ -x $artifact/edgegw ]] || { echo "$artifact/edgegw missing; run ./build.sh publish-arm64" >&2; exit 1; }
[[ -f $image && -f $clip ]] || { echo "shared image or clip missing under $shared (EDGEGW_SHARED)" >&2; exit 1; }
if [[ ! -f $x64_dll ]]; then
  echo "==> Building the x64 edgegw for comparison" >&2
  dotnet build edge/EdgeGateway.Host -c Release -nologo -clp:ErrorsOnly >&2 || exit 1
fi

total=$SECONDS
# Optional arguments pick checks by name (e.g. `check-arm64.sh run`); none runs them all.
selected() { (($# == 0)) || [[ " $* " == *" $CHECK_NAME "* ]]; }
check() { CHECK_NAME="$1"; selected "${ARGS[@]}" && run_check "$@"; }
ARGS=("$@")
check deb-package           60 deb_package
check native-library        60 native_library
check version              180 version
check detect               420 detect
check replay               300 replay
check run                  300 run_service
check missing-extern       180 missing_extern
check missing-opencv       300 missing_opencv_module
echo "arm64 checks: $((SECONDS - total)) s, $failures failed"
((failures == 0))
