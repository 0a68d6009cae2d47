import { Option } from 'commander';

export const kitOption = (): Option => new Option('--kit <name>', 'kit to build and boot with (default: debian-6.1)');
export const accelOption = (): Option => new Option('--accel <accel>', 'QEMU accelerator').choices(['auto', 'kvm', 'tcg']).default('auto');
export const toolchainOption = (): Option => new Option('--toolchain <name>', 'where modules are compiled').choices(['auto', 'native', 'docker']).default('auto');
/** Commander sets `compat: false` for --no-compat and `true` otherwise. */
export const noCompatOption = (): Option => new Option('--no-compat', "build kshram.c exactly as written: no shims for code written for the course's Linux 6.2");
/** A checked run (app/checked): the kernel looks for memory and locking bugs; what it finds is a note, never points. */
export const checkedOption = (): Option => new Option('--checked', 'boot a checking kernel: slub_debug and page poisoning on stock kits (a debug kit always checks); reports become notes');
/** Boot the kernel instead of restoring the pristine guest snapshot (app/boot/pristine.ts). */
export const coldBootOption = (): Option => new Option('--cold-boot', 'boot the kernel cold instead of restoring the saved pristine guest (the report says which was used)');
