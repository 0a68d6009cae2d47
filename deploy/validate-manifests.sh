#!/usr/bin/env bash
# Validates deploy/k8s/*.yaml (see validate-manifests.mjs). The validators
# (kubernetes-models, @kubernetes-models/keda, yaml) are installed from the
# npm registry into a temporary folder, not into the project.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tools=$(mktemp -d "${TMPDIR:-/tmp}/kshram-k8s-validate.XXXXXX")
trap 'rm -rf "$tools"' EXIT
echo '{"type":"module","private":true}' > "$tools/package.json"
npm install --prefix "$tools" --no-audit --no-fund --loglevel=error kubernetes-models@5 @kubernetes-models/keda@2 yaml@2 >/dev/null
cp "$here/validate-manifests.mjs" "$tools/"
ln -s "$here/k8s" "$tools/k8s"
node "$tools/validate-manifests.mjs"
