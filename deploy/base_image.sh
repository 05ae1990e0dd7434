#!/usr/bin/env bash
# Make the base image from Debian's own packages (no registry needed): Debian bookworm's Python 3.11.
#   deploy/base_image.sh [TAG]     (default local/bookworm-python:3.11; about 2.5 min; needs root and debootstrap)
set -euo pipefail
tag="${1:-local/bookworm-python:3.11}"
docker="${DOCKER:-docker}"
# The mirror apt already uses on this machine (deb822 or one-line sources), else Debian's own.
mirror="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null |
  sed -nE 's,^(URIs:|deb) +(\[[^]]*\] +)?(https?://[^ ]+/debian)/?( .*)?$,\3,p' | head -n1 || true)"
mirror="${mirror:-http://deb.debian.org/debian}"
rootfs="$(mktemp -d /tmp/qa-rootfs.XXXXXX)"
cleanup() {
  umount "$rootfs/proc" 2>/dev/null || true
  rm -rf "$rootfs" "$rootfs.log"
}
trap cleanup EXIT

debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$rootfs.log" || { tail "$rootfs.log" >&2; exit 1; }
mount -t proc proc "$rootfs/proc"
chroot "$rootfs" apt-get install -y -qq --no-install-recommends \
  python3 python3-venv python3-pip python-is-python3 ca-certificates netbase >/dev/null
chroot "$rootfs" apt-get clean
umount "$rootfs/proc"
rm -rf "$rootfs"/var/lib/apt/lists/*
tar --numeric-owner -C "$rootfs" -c . |
  "$docker" import --change 'ENV LANG=C.UTF-8' --change 'CMD ["python3"]' - "$tag" >/dev/null
echo "Made the base image $tag from Debian bookworm ($mirror)"
