#!/usr/bin/env bash
# Builds a checking kernel kit (KASAN, lockdep, kmemleak, UBSAN, ...) from
# Debian's kernel source package:
#   debian-debug-kit.sh NAME SERIES OUTDIR [JOBS]
# SERIES is 6.1 or 6.12 (package linux-source-SERIES). Nothing is installed
# on the host: the source .deb is fetched with `apt-get download` and
# unpacked with dpkg -x into OUTDIR.partial, where the kernel is built.
# The kit keeps bzImage, vmlinux (DWARF 5, for file:line of kernel frames)
# and the build tree, prepared for external modules (make -C OUTDIR/build M=...).
# Progress lines "==> progress N/TOTAL" let the caller draw a bar.
#
# debian-6.1-debug (SERIES 6.1, Linux 6.1.192) was built and measured here:
# 9-10 min on 2 idle cores (14 CPU-minutes), 108 min on a host at load
# 25-35; 1.7 GiB. debian-6.12-debug is the same script with SERIES 6.12
# (apt's linux-source-6.12, in bookworm-backports): `kshram-lab kits
# install debian-6.12-debug` runs `debian-debug-kit.sh debian-6.12-debug
# 6.12 ~/.cache/kshram-lab/kits/debian-6.12-debug $(nproc)`. It has not been
# built or booted here (no time on the shared machine): the options below
# exist in 6.12 too (SLOB is gone there, so disabling it does nothing), and
# the config check after olddefconfig stops the build if kconfig dropped one.
set -euo pipefail

name=$1 series=$2 out=$3 jobs=${4:-$(nproc)}
step() { printf '==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

command -v apt-get >/dev/null || die "apt-get not found: the debug kit is built from Debian's linux-source package"
for tool in make gcc flex bison bc pahole; do
	command -v "$tool" >/dev/null || die "$tool is missing (apt-get install build-essential flex bison bc libelf-dev libssl-dev dwarves)"
done

partial="$out.partial"
rm -rf "$partial"
mkdir -p "$partial/deb"
chmod 755 "$partial" "$partial/deb" # apt downloads as the _apt user
cd "$partial/deb"

step "downloading linux-source-$series and busybox-static"
apt-get download -q "linux-source-$series" busybox-static >/dev/null ||
	die "apt-get download linux-source-$series failed (is the Debian mirror reachable? try apt-get update)"
for deb in ./*.deb; do dpkg -x "$deb" root; done
tarball=$(ls root/usr/src/linux-source-"$series".tar.*)
cp root/bin/busybox "$partial/busybox"

step "unpacking $(basename "$tarball")"
mkdir "$partial/src"
tar -C "$partial/src" --strip-components=1 -xf "$tarball"
cd "$partial"
rm -rf deb

# Debian's scripts/config edits the config the way kconfig would see it;
# olddefconfig then fills in dependencies and drops what cannot be set.
step "configuring (tinyconfig + what the lab's guest needs + sanitizers)"
mkdir build
make -s -C src O="$partial/build" tinyconfig >/dev/null
enable=(
	# the guest: 64-bit SMP, serial consoles (ttyS0 console, ttyS1 agent),
	# initramfs, ELF binaries, devtmpfs/proc/sysfs/tmpfs, modules
	64BIT SMP PRINTK BUG TTY SERIAL_8250 SERIAL_8250_CONSOLE EARLY_PRINTK
	BLK_DEV_INITRD RD_GZIP RD_XZ RD_ZSTD BINFMT_ELF BINFMT_SCRIPT
	DEVTMPFS DEVTMPFS_MOUNT PROC_FS PROC_SYSCTL SYSFS TMPFS SHMEM
	MODULES MODULE_UNLOAD MODULE_FORCE_UNLOAD
	FUTEX EPOLL SIGNALFD TIMERFD EVENTFD POSIX_TIMERS MULTIUSER FILE_LOCKING
	NET UNIX KALLSYMS KALLSYMS_ALL HYPERVISOR_GUEST PARAVIRT PVH
	# a stuck CPU or task is reported (watchdog_thresh= on the command line)
	LOCKUP_DETECTOR SOFTLOCKUP_DETECTOR DETECT_HUNG_TASK
	# the sanitizers
	DEBUG_KERNEL DEBUG_FS SLUB SLUB_DEBUG SLUB_DEBUG_ON
	KASAN KASAN_GENERIC KASAN_INLINE KASAN_VMALLOC
	PROVE_LOCKING DEBUG_ATOMIC_SLEEP DEBUG_LIST
	DEBUG_KMEMLEAK DEBUG_PAGEALLOC DEBUG_PAGEALLOC_ENABLE_DEFAULT
	UBSAN UBSAN_BOUNDS STACKTRACE
	DEBUG_INFO DEBUG_INFO_DWARF5
	# gzip decompresses fastest, which every TCG boot pays for
	KERNEL_GZIP
)
disable=(
	# tinyconfig's picks in choices the options above replace
	SLOB DEBUG_INFO_NONE KERNEL_XZ
	# kmemleak is scanned after each unload; a background scan would
	# report at random moments
	DEBUG_KMEMLEAK_AUTO_SCAN DEBUG_KMEMLEAK_DEFAULT_OFF
	# UBSAN's other checks are noisy in core code and not about modules
	UBSAN_SHIFT UBSAN_DIV_ZERO UBSAN_UNREACHABLE UBSAN_BOOL UBSAN_ENUM UBSAN_TRAP
	DEBUG_INFO_REDUCED DEBUG_INFO_SPLIT DEBUG_INFO_BTF
	MODULE_SIG WERROR
)
args=()
for option in "${enable[@]}"; do args+=(--enable "$option"); done
for option in "${disable[@]}"; do args+=(--disable "$option"); done
src/scripts/config --file build/.config "${args[@]}" \
	--set-val SERIAL_8250_NR_UARTS 4 --set-val SERIAL_8250_RUNTIME_UARTS 4 \
	--set-str LOCALVERSION "-kshram-debug"
make -s -C src O="$partial/build" olddefconfig >/dev/null
for option in KASAN KASAN_INLINE KASAN_VMALLOC DEBUG_ATOMIC_SLEEP PROVE_LOCKING DEBUG_KMEMLEAK DEBUG_PAGEALLOC UBSAN_BOUNDS DEBUG_LIST SLUB_DEBUG_ON DEBUG_INFO_DWARF5 KALLSYMS_ALL PVH MODULE_UNLOAD SERIAL_8250_CONSOLE; do
	grep -q "^CONFIG_$option=y" build/.config || die "the config lost CONFIG_$option (kconfig dependencies changed?)"
done
release=$(make -s -C src O="$partial/build" kernelrelease)
step "kernel release $release, $jobs jobs"

# The number of objects a build of this config compiles (measured on
# 6.1.192), for the progress bar; an estimate, capped at 99% until done.
expected=${KSHRAM_LAB_DEBUG_KIT_OBJECTS:-1900}
step "building bzImage and modules (this takes a while: ~10 min on 2 idle cores)"
count=0
build_log() {
	while IFS= read -r line; do
	case $line in
	*" CC "* | *" AS "* | *" LD "* | *" AR "*)
		count=$((count + 1))
		if [ $((count % 20)) = 0 ]; then
			percent=$((count * 100 / expected))
			[ "$percent" -gt 99 ] && percent=99
			step "progress $percent/100"
		fi
		;;
	*error:* | *Error\ [0-9]*) printf '%s\n' "$line" >&2 ;;
	esac
	done
}
make -C src O="$partial/build" -j"$jobs" bzImage modules 2>&1 | tee build.log | build_log ||
	die "the kernel build failed (see the errors above)"
make -s -C src O="$partial/build" -j"$jobs" modules_prepare >/dev/null
step "progress 100/100"

# the release as built (kernelrelease before the build leaves out LOCALVERSION)
release=$(cat build/include/config/kernel.release)
cp build/arch/x86/boot/bzImage bzImage
cp build/vmlinux vmlinux
# the debugger names kernel frames from it (app/kit/system-map.ts)
cp build/System.map System.map
cp build/.config config
# object files are not needed to build external modules; vmlinux is kept above
find build -name '*.o' -not -path 'build/scripts/*' -delete
rm -f build/vmlinux build/vmlinux.a build/arch/x86/boot/compressed/vmlinux*

cat > kit.json <<JSON
{
  "name": "$name",
  "description": "Debian linux-source-$series ($release) built with KASAN, lockdep, kmemleak, UBSAN, DEBUG_PAGEALLOC, SLUB_DEBUG_ON",
  "kernelRelease": "$release",
  "kernelImage": "bzImage",
  "buildDir": "build",
  "busybox": "busybox",
  "toolchain": "native",
  "source": "debian",
  "vmlinux": "vmlinux",
  "systemMap": "System.map",
  "sanitizers": ["kasan", "lockdep", "atomic-sleep", "kmemleak", "ubsan", "pagealloc", "list", "slub"],
  "qemu": { "memory": "512M" }
}
JSON
rm -rf "$out"
mv "$partial" "$out"
# the build tree names its source by absolute path: point it at the final place
sed -i "s#$partial/#$out/#g" "$out/build/Makefile"
ln -sfn "$out/src" "$out/build/source"
step "kit $name ready in $out"
