#!/usr/bin/env bash
# One entry point for people and CI.
#   ./build.sh demo [seconds]   install what is missing, fetch the models, build, run `edgegw demo`
#   ./build.sh test             install what is missing, fetch the models, build, run every test
#   ./build.sh deps             only install the Debian packages the gateway and its tests need
#   ./build.sh publish-arm64    self-contained linux-arm64 publish of edgegw into artifacts/
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(
  ffmpeg libgtk-3-0                       # OpenCvSharp's native library and FFmpeg decoding
  mosquitto mosquitto-clients             # real broker for uplink and relay tests
  postgresql                              # relay storage at scale (tests start their own server)
  chromium                                # diagnostics page end-to-end tests
  python3-gi gir1.2-gst-rtsp-server-1.0   # a real RTSP server for camera reconnect tests
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav
  iproute2 openssl
)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

deps() {
  local missing=()
  for package in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  if ((${#missing[@]} == 0)); then
    log "Debian packages: all present"
    return
  fi
  log "Installing Debian packages: ${missing[*]}"
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The packaged broker service is not needed: tests start their own on random ports.
  "${sudo[@]}" systemctl disable --now mosquitto >/dev/null 2>&1 || true
}

build() {
  log "Building (Release)"
  dotnet build EdgeGateway.sln -c Release -nologo -clp:ErrorsOnly
}

edgegw() {
  dotnet edge/EdgeGateway.Host/bin/Release/net10.0/edgegw.dll "$@"
}

models() {
  log "Fetching models (sha256 verified)"
  edgegw models fetch --all
}

case "${1:-help}" in
  deps)
    deps
    ;;
  demo)
    deps
    build
    models
    log "Running the demo: camera clip -> YOLOX-Nano -> rule -> outbox -> MQTT -> relay -> SQLite"
    edgegw demo --seconds "${2:-30}"
    ;;
  test)
    deps
    build
    models
    log "Running unit and integration tests"
    # One test project at a time, each in its own run: the integration tests decode video and run
    # models in real time, and on a 2-core machine projects side by side would starve each other.
    # A hung test fails its project after 15 minutes instead of holding CI until its time limit.
    failed=()
    for project in tests/*.Tests/*.Tests.csproj; do
      log "Testing $(basename "$project" .csproj)"
      dotnet test "$project" -c Release --no-build -nologo --blame-hang-timeout 15m \
        --filter "Category=Unit|Category=Integration" \
        --logger "console;verbosity=normal" --results-directory artifacts/test-results \
        || failed+=("$(basename "$project" .csproj)")
    done
    if ((${#failed[@]} > 0)); then
      log "Failed: ${failed[*]}"
      exit 1
    fi
    log "All test projects passed"
    ;;
  publish-arm64)
    log "Publishing edgegw for linux-arm64 (self-contained)"
    dotnet publish edge/EdgeGateway.Host -c Release -r linux-arm64 --self-contained -o artifacts/edgegw-linux-arm64 -nologo
    ;;
  *)
    sed -n '2,7p' "$0"
    exit 2
    ;;
esac
