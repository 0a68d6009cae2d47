#!/usr/bin/env bash
# Tries the service's image as its users would (run it through the VM
# queue: it boots QEMU twice):
#   deploy/test-image.sh [TAG]
# 1. `docker run IMAGE grade` grades the reference module inside the image;
# 2. a container as a worker (`docker run IMAGE worker`) on the Redis of a
#    `serve` running on this host grades a submission made with `submit`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tag=${1:-kshram-lab/service:latest}
DOCKER=${KSHRAM_LAB_DOCKER:-docker}
# the build sandbox (bubblewrap) makes namespaces: the rights the k8s manifests give the pods too
rights=(--cap-add SYS_ADMIN --cap-add NET_ADMIN --security-opt seccomp=unconfined --security-opt apparmor=unconfined)
step() { printf '==> %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

step "docker run $tag grade module --json"
report=$("$DOCKER" run --rm --network none "${rights[@]}" "$tag" grade /opt/kshram-lab/module --json)
total=$(printf '%s' "$report" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).total))')
[ "$total" = 100 ] || fail "the reference scored $total/100 in the image"
step "the reference scored 100/100 in the image"

data=$(mktemp -d "${TMPDIR:-/tmp}/kshram-image-test.XXXXXX")
serve_pid=
container=
cleanup() {
	[ -z "$container" ] || "$DOCKER" rm -f "$container" >/dev/null 2>&1 || true
	[ -z "$serve_pid" ] || { kill -TERM "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null || true; }
	rm -rf "$data"
}
trap cleanup EXIT
step "serve on this host (no workers of its own), a worker in the image on its Redis"
node "$root/bin/kshram-lab.js" serve --data "$data" --http-port 0 --nc-port 0 --workers 0 > "$data/serve.out" 2> "$data/serve.err" &
serve_pid=$!
for _ in $(seq 60); do grep -q 'service: ' "$data/serve.out" 2>/dev/null && break; sleep 1; done
url=$(grep -o 'http://[0-9.:]*' "$data/serve.out" | head -1)
[ -n "$url" ] || fail "serve did not start: $(cat "$data/serve.err")"
sock="$data/redis/redis.sock"
container=$("$DOCKER" run -d --network none "${rights[@]}" -v "$data/redis:$data/redis" "$tag" worker --redis "unix://$sock" --jobs 1)
token=$(node "$root/bin/kshram-lab.js" token add image-test --data "$data" 2>/dev/null | tail -1)
result=$(timeout 600 node "$root/bin/kshram-lab.js" submit "$root/module" --server "$url" --token "$token" --json) || fail "submit failed: $result; worker: $("$DOCKER" logs "$container" 2>&1 | tail -5)"
total=$(printf '%s' "$result" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).total))')
[ "$total" = 100 ] || fail "the reference scored $total/100 through the image's worker"
"$DOCKER" logs "$container" 2>&1 | grep -q 'graded ' || fail "the image's worker did not grade it: $("$DOCKER" logs "$container" 2>&1 | tail -5)"
step "the image's worker graded the submission: 100/100"
