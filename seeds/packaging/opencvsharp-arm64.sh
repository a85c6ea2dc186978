#!/usr/bin/env bash
# Builds libOpenCvSharpExtern.so for the ARM64 box against Debian 12's OpenCV 4.6, with only the
# modules the gateway uses (core, imgproc, imgcodecs, videoio), and prints the path of the result.
#   seeds/packaging/opencvsharp-arm64.sh
# On x86-64 it cross-compiles with g++-aarch64-linux-gnu and libopencv-dev:arm64 (toolchain file
# beside this script); on an aarch64 machine (Dockerfile.arm64) it builds natively.
# Source: $OPENCVSHARP_SRC, else ../shared/third_party/opencvsharp-<tag> ($EDGEGW_SHARED honoured),
# else a clone of the tag. The result is cached in ${XDG_CACHE_HOME:-~/.cache}/edgegw/, keyed by the
# SHA-256 of the source tree, this script, the toolchain file, the compiler and the OpenCV version.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
tag=4.13.0.20260627
cache="${EDGEGW_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/edgegw}"
log() { printf '==> %s\n' "$*" >&2; }

# Every module the product does not call is off; see the NO_* options in src/CMakeLists.txt.
cmake_options=(
  -DCMAKE_BUILD_TYPE=Release
  -DNO_CONTRIB=ON -DNO_STITCHING=ON -DNO_CALIB3D=ON -DNO_VIDEO=ON -DNO_FEATURES2D=ON
  -DNO_FLANN=ON -DNO_DNN=ON -DNO_ML=ON -DNO_OBJDETECT=ON -DNO_PHOTO=ON -DNO_BARCODE=ON
  -DNO_HIGHGUI=ON -DNO_INSTALL_TO_TEST=ON
  # find_package(OpenCV) hands every installed module to the linker; keep only those really called.
  -DCMAKE_SHARED_LINKER_FLAGS=-Wl,--as-needed
)
if [[ $(uname -m) == aarch64 ]]; then
  cxx=g++ strip=strip toolchain=()
else
  cxx=aarch64-linux-gnu-g++ strip=aarch64-linux-gnu-strip toolchain=(-DCMAKE_TOOLCHAIN_FILE="$here/aarch64-linux-gnu.cmake")
fi

shared="${EDGEGW_SHARED:-$repo/../shared}"
src="${OPENCVSHARP_SRC:-$shared/third_party/opencvsharp-$tag}"
if [[ ! -f $src/src/CMakeLists.txt ]]; then
  src="$cache/opencvsharp-src-$tag"
  if [[ ! -f $src/src/CMakeLists.txt ]]; then
    log "Cloning OpenCvSharp $tag (no local copy at ../shared/third_party)"
    rm -rf "$src.tmp"
    git clone --quiet --depth 1 --branch "$tag" https://github.com/shimat/opencvsharp.git "$src.tmp"
    mv "$src.tmp" "$src"
  fi
fi

opencv_version="$(dpkg-query -W -f='${Version}' libopencv-dev:arm64 2>/dev/null || echo unknown)"
key="$(
  {
    (cd "$src/src" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
    sha256sum "$here/opencvsharp-arm64.sh" "$here/aarch64-linux-gnu.cmake" | cut -d' ' -f1
    "$cxx" --version | head -1
    echo "opencv $opencv_version"
  } | sha256sum | cut -c1-16
)"
out="$cache/opencvsharp-$key"
if [[ -f $out/libOpenCvSharpExtern.so ]]; then
  log "libOpenCvSharpExtern.so for arm64: cached ($out)"
  echo "$out/libOpenCvSharpExtern.so"
  exit 0
fi

log "Building libOpenCvSharpExtern.so for arm64 from $src (cache key $key)"
build="$(mktemp -d "${TMPDIR:-/tmp}/opencvsharp-build.XXXXXX")"
trap 'rm -rf "$build"' EXIT
cmake -S "$src/src" -B "$build" "${toolchain[@]}" "${cmake_options[@]}" >"$build/configure.log" 2>&1 \
  || { tail -30 "$build/configure.log" >&2; exit 1; }
make -C "$build" -j"$(nproc)" OpenCvSharpExtern >"$build/make.log" 2>&1 \
  || { grep -m 20 -E 'error|Error' "$build/make.log" >&2; exit 1; }
mkdir -p "$out.tmp"
"$strip" --strip-unneeded -o "$out.tmp/libOpenCvSharpExtern.so" "$build/OpenCvSharpExtern/libOpenCvSharpExtern.so"
rm -rf "$out" && mv "$out.tmp" "$out"
echo "$out/libOpenCvSharpExtern.so"
