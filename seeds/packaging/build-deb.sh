#!/usr/bin/env bash
# Packs a linux-arm64 publish of edgegw into a Debian package with dpkg-deb.
#   seeds/packaging/build-deb.sh <publish-dir> <version> <output.deb>
# Layout: /opt/edgegw (the publish, with libOpenCvSharpExtern.so), /usr/bin/edgegw (symlink),
# /lib/systemd/system/edgegw.service (seeds/systemd, unchanged) and edgegw.path (starts the service
# once provision has written /etc/edgegw/gateway.json). Depends: runtime-packages.txt.
# gzip, not xz: xz took minutes on two cores to save a third of 60 MB.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
publish="$1" version="$2" output="$3"

[[ -x $publish/edgegw ]] || { echo "build-deb: $publish/edgegw missing; publish first" >&2; exit 1; }
[[ -f $publish/libOpenCvSharpExtern.so ]] || { echo "build-deb: $publish/libOpenCvSharpExtern.so missing" >&2; exit 1; }

root="$(mktemp -d "${TMPDIR:-/tmp}/edgegw-deb.XXXXXX")"
trap 'rm -rf "$root"' EXIT
chmod 755 "$root" # mktemp makes it 700; this is the mode of / in the package
install -d -m 755 "$root/DEBIAN" "$root/opt/edgegw" "$root/usr/bin" "$root/lib/systemd/system"
cp -a "$publish/." "$root/opt/edgegw/"
install -m 644 "$repo/edge/EdgeGateway.Host/README.md" "$root/opt/edgegw/README.md"
# Files root-owned and world-readable; programs and libraries executable.
chmod -R u=rwX,go=rX "$root/opt/edgegw"
chmod 755 "$root/opt/edgegw/edgegw"
ln -s /opt/edgegw/edgegw "$root/usr/bin/edgegw"
install -m 644 "$repo/seeds/systemd/edgegw.service" "$here/deb/edgegw.path" "$root/lib/systemd/system/"
install -m 755 "$here/deb/postinst" "$here/deb/prerm" "$here/deb/postrm" "$root/DEBIAN/"

depends="$(grep -v -e '^#' -e '^[[:space:]]*$' "$here/runtime-packages.txt" | paste -sd, | sed 's/,/, /g')"
installed_size="$(du -sk --exclude=DEBIAN "$root" | cut -f1)"
sed -e "s/@VERSION@/$version/" -e "s/@DEPENDS@/$depends/" -e "s/@INSTALLED_SIZE@/$installed_size/" \
  "$here/deb/control.in" >"$root/DEBIAN/control"

mkdir -p "$(dirname "$output")"
dpkg-deb --root-owner-group -Zgzip --build "$root" "$output" >/dev/null
echo "$output"
