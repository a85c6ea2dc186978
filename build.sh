#!/usr/bin/env bash
# One entry point for people and CI.
#   ./build.sh demo [seconds]   install what is missing, fetch the models, build, run `edgegw demo`
#   ./build.sh test             install what is missing, fetch the models, build, run every test
#   ./build.sh repin            rewrite the pinned elevator state diagram after a deliberate change (then review git diff)
#   ./build.sh deps             only install the Debian packages the gateway and its tests need
#   ./build.sh publish-arm64    self-contained linux-arm64 edgegw (with its native OpenCV wrapper) and its .deb in artifacts/
#   ./build.sh check-arm64      run that build under qemu-user-static: version, detect, replay, run, .deb contents
#   ./build.sh deps-arm64       only install what the two arm64 steps need (cross compiler, arm64 libraries, qemu)
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(
  ffmpeg libgtk-3-0                       # OpenCvSharp's native library and FFmpeg decoding
  mosquitto mosquitto-clients             # real broker for uplink and relay tests
  postgresql                              # relay storage at scale (tests start their own server)
  prometheus                              # a real server scrapes the relay's /metrics in its test (and promtool checks it)
  chromium                                # diagnostics page end-to-end tests
  fonts-wqy-microhei                      # Chinese glyphs in the page's screenshots and the report's PDF
  python3-gi gir1.2-gst-rtsp-server-1.0   # a real RTSP server for camera reconnect tests
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav
  iproute2 openssl
)

# The arm64 steps only: the aarch64 cross compiler and Debian's OpenCV for arm64 (multiarch) to build
# libOpenCvSharpExtern.so, and qemu-user-static with the arm64 runtime libraries to run the build.
ARM64_APT_PACKAGES=(
  g++-aarch64-linux-gnu cmake make libopencv-dev:arm64 file
  qemu-user-static binfmt-support
  libc6:arm64 libstdc++6:arm64 libicu72:arm64 libssl3:arm64 libgpiod2:arm64
  libopencv-core406:arm64 libopencv-imgproc406:arm64 libopencv-imgcodecs406:arm64 libopencv-videoio406:arm64
)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

deps() {
  install_missing "${APT_PACKAGES[@]}"
  # The build installs the page's pinned layout library (edge/EdgeGateway.Host/web) with npm. A machine that
  # already has Node.js and npm (e.g. from NodeSource, whose nodejs conflicts with Debian's npm) keeps them.
  command -v npm >/dev/null 2>&1 || install_missing nodejs npm
  # The packaged broker service is not needed: tests start their own on random ports.
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" systemctl disable --now mosquitto >/dev/null 2>&1 || true
  "${sudo[@]}" systemctl disable --now prometheus >/dev/null 2>&1 || true
}

deps_arm64() {
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    log "Adding the arm64 architecture (multiarch)"
    "${sudo[@]}" dpkg --add-architecture arm64
    "${sudo[@]}" apt-get update -qq
  fi
  install_missing "${ARM64_APT_PACKAGES[@]}"
}

install_missing() {
  local missing=()
  for package in "$@"; do
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
}

# linux-arm64 publish: edgegw self-contained, libOpenCvSharpExtern.so (cross-built, cached) beside it,
# then the .deb. Packaging files live in seeds/packaging/ (see its README).
publish_arm64() {
  local out=artifacts/edgegw-linux-arm64 native version started=$SECONDS
  native="$(seeds/packaging/opencvsharp-arm64.sh)"
  log "libOpenCvSharpExtern.so ready ($((SECONDS - started)) s)"
  started=$SECONDS
  log "Publishing edgegw for linux-arm64 (self-contained)"
  rm -rf "$out"
  dotnet publish edge/EdgeGateway.Host -c Release -r linux-arm64 --self-contained -p:DebugType=none -o "$out" -nologo -clp:ErrorsOnly
  install -m 755 "$native" "$out/libOpenCvSharpExtern.so"
  log "Published in $((SECONDS - started)) s"
  started=$SECONDS
  version="$(dotnet msbuild edge/EdgeGateway.Host -getProperty:Version -nologo)"
  rm -f artifacts/edgegw_*_arm64.deb
  log "Packed $(seeds/packaging/build-deb.sh "$out" "$version" "artifacts/edgegw_${version}_arm64.deb") in $((SECONDS - started)) s"
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

# "passed failed skipped" from a .trx file's counters (a skipped test is counted in total but not executed).
test_counts() {
  local counters
  counters="$(grep -o '<Counters [^>]*>' "$1" || true)"
  attribute() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
  echo "$(attribute passed) $(($(attribute failed) + $(attribute error) + $(attribute timeout) + $(attribute aborted))) $(($(attribute total) - $(attribute executed)))"
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
    # Each project's output is also kept in artifacts/test-results/<project>.log (and its results in
    # <project>.trx); the counts per project, the names of the skipped tests and the failures are
    # repeated at the end, where a CI log's tail shows them. EDGEGW_REQUIRE_DRILLS=1 (set by CI) makes
    # a disk drill that cannot mount fail instead of skipping.
    failed=()
    summary=()
    total_passed=0 total_failed=0 total_skipped=0
    mkdir -p artifacts/test-results
    for project in tests/*.Tests/*.Tests.csproj; do
      name="$(basename "$project" .csproj)"
      log "Testing $name"
      rm -f "artifacts/test-results/$name.trx"
      # pipefail: the pipeline fails when dotnet test does.
      if ! dotnet test "$project" -c Release --no-build -nologo --blame-hang-timeout 15m \
        --filter "Category=Unit|Category=Integration" \
        --logger "console;verbosity=normal" --logger "trx;LogFileName=$name.trx" --results-directory artifacts/test-results \
        2>&1 | tee "artifacts/test-results/$name.log"; then
        failed+=("$name")
      fi
      if [[ ! -f artifacts/test-results/$name.trx ]]; then
        summary+=("$(printf '%-32s no results: the run ended early, counted as 1 failed (see artifacts/test-results/%s.log)' "$name" "$name")")
        total_failed=$((total_failed + 1))
        continue
      fi
      read -r passed failures skipped < <(test_counts "artifacts/test-results/$name.trx")
      summary+=("$(printf '%-32s %5s passed, %5s failed, %5s skipped' "$name" "$passed" "$failures" "$skipped")")
      total_passed=$((total_passed + passed)) total_failed=$((total_failed + failures)) total_skipped=$((total_skipped + skipped))
    done
    log "Tests per project"
    printf '%s\n' "${summary[@]}"
    printf '%-32s %5s passed, %5s failed, %5s skipped\n' "Total" "$total_passed" "$total_failed" "$total_skipped"
    if ((total_skipped > 0)); then
      log "Skipped"
      grep -h -E '^  Skipped [A-Za-z]' artifacts/test-results/*.log | sort -u | cut -c1-300 || true
    fi
    if ((${#failed[@]} > 0)); then
      for name in "${failed[@]}"; do
        log "Failures in $name"
        grep -E -A 12 '^  Failed [A-Za-z]' "artifacts/test-results/$name.log" | cut -c1-400 || echo "(no failed test named; see artifacts/test-results/$name.log)"
      done
      log "Failed: ${failed[*]}"
      echo "$total_passed passed, $total_failed failed"
      exit 1
    fi
    log "All test projects passed"
    echo "$total_passed passed, $total_failed failed"
    ;;
  repin)
    build
    # The pin test rewrites the pin and fails when EDGEGW_REPIN=1, so a repinning run never passes.
    EDGEGW_REPIN=1 dotnet test tests/EdgeGateway.Elevator.Tests -c Release --no-build -nologo \
      --filter "FullyQualifiedName~MachineDiagramTests.Mermaid_diagram_matches_the_pinned_text" >/dev/null 2>&1 || true
    git --no-pager diff --stat -- tests/EdgeGateway.Elevator.Tests/Pinned
    log "Pin rewritten: review the diff above, then run ./build.sh test"
    ;;
  deps-arm64)
    deps_arm64
    ;;
  publish-arm64)
    deps_arm64
    publish_arm64
    ;;
  check-arm64)
    deps
    deps_arm64
    log "Running the arm64 build under qemu-user-static"
    seeds/packaging/check-arm64.sh
    ;;
  *)
    sed -n '2,10p' "$0"
    exit 2
    ;;
esac
