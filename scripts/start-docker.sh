#!/usr/bin/env bash
# Makes sure the Docker daemon answers; idempotent. With systemd it starts
# the docker service; without (containers, CI machines) it starts dockerd in
# the background with no iptables rules and no bridge: the toolchain's
# containers run with --network none and image builds with --network host.
set -euo pipefail

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
# dockerd creates its socket within seconds; a minute means it failed
WAIT_SECONDS=60
LOG=/var/log/kshram-lab-dockerd.log
PATH=$PATH:/usr/sbin:/sbin

if docker version >/dev/null 2>&1; then
	step "docker: daemon running"
	exit 0
fi
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
	step "docker: systemctl start docker"
	as_root systemctl start docker
else
	command -v dockerd >/dev/null || { echo "error: dockerd is not installed (apt-get install docker.io)" >&2; exit 1; }
	step "docker: starting dockerd --iptables=false --bridge=none (log: $LOG)"
	as_root sh -c "setsid nohup dockerd --iptables=false --bridge=none >>$LOG 2>&1 < /dev/null &"
fi
for _ in $(seq "$WAIT_SECONDS"); do
	if docker version >/dev/null 2>&1; then
		step "docker: daemon running"
		exit 0
	fi
	sleep 1
done
echo "error: the Docker daemon did not start within $WAIT_SECONDS s; see $LOG" >&2
tail -n 20 "$LOG" >&2 2>/dev/null || true
exit 1
