#!/usr/bin/env bash
# Makes the Debian bookworm base image of the docker toolchain without a
# registry (Docker Hub may be unreachable):
#   base-image.sh TAG
# debootstrap a minimal bookworm, then docker import it. Needs root (or
# sudo) and debootstrap; where those are missing, pulls debian:bookworm.
set -euo pipefail

tag=$1
MIRROR=${KSHRAM_LAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
DOCKER=${KSHRAM_LAB_DOCKER:-docker}
step() { printf '==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

if ! command -v debootstrap >/dev/null && ! [ -x /usr/sbin/debootstrap ]; then
	step "no debootstrap here: pulling debian:bookworm from the registry"
	"$DOCKER" pull debian:bookworm || die "could not pull debian:bookworm and debootstrap is not installed (apt-get install debootstrap)"
	"$DOCKER" tag debian:bookworm "$tag"
	exit 0
fi
PATH=$PATH:/usr/sbin

root=$(mktemp -d "${TMPDIR:-/tmp}/kshram-bookworm.XXXXXX")
trap 'as_root rm -rf "$root"' EXIT
step "debootstrap --variant=minbase bookworm ($MIRROR), about 30 s"
as_root debootstrap --variant=minbase bookworm "$root" "$MIRROR" |
	grep --line-buffered -E '^I: (Retrieving|Validating|Extracting|Installing|Configuring|Base)' | grep --line-buffered -vE 'Retrieving|Validating|Extracting' || true
[ -x "$root/usr/bin/apt-get" ] || die "debootstrap did not produce a Debian system in $root"
# apt caches and lists are not needed in the image
as_root rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
step "docker import as $tag"
as_root tar -C "$root" -c . | "$DOCKER" import - "$tag" >/dev/null
step "base image $tag ready"
