#!/usr/bin/env bash
# Puts the kernel's checkpatch.pl (with the spelling and const-struct lists
# it reads from its own directory) into OUTDIR, taken from Debian's
# linux-source-SERIES package: `apt-get download` and dpkg -x into a
# temporary directory, nothing installed on the host.
#   fetch-checkpatch.sh OUTDIR [SERIES]
set -euo pipefail

out=$1 series=${2:-6.1}
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
command -v apt-get >/dev/null || die "apt-get not found: checkpatch.pl comes from Debian's linux-source package"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work" # apt downloads as the _apt user
cd "$work"
apt-get download -q "linux-source-$series" >/dev/null 2>&1 ||
	die "apt-get download linux-source-$series failed (is the Debian mirror reachable? try apt-get update)"
dpkg -x ./linux-source-*.deb root
tarball=$(ls root/usr/src/linux-source-"$series".tar.*)
tar -xf "$tarball" --strip-components=2 --wildcards \
	'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'
mkdir -p "$out.partial"
mv checkpatch.pl spelling.txt const_structs.checkpatch "$out.partial/"
rm -rf "$out"
mv "$out.partial" "$out"
echo "checkpatch.pl ready in $out"
