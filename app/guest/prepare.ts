import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildModule, type ModuleBuildResult } from '../build/module.js';
import { helloModule } from '../build/hello-cache.js';
import { buildGuestPrograms, type GuestPrograms } from '../build/programs.js';
import type { Toolchain } from '../build/toolchain.js';
import { LabError } from '../errors.js';
import type { Kit } from '../kit/kit.js';
import { moduleDir } from '../paths.js';
import { composeInitramfs } from './initramfs.js';

export interface PrepareOptions {
  kit: Kit;
  toolchain: Toolchain;
  /** Directory with the user's kshram.c (and optionally kshram.h). */
  workspaceDir: string;
  /** Check programs to use instead of ours. */
  checksDir?: string;
  kcflags?: readonly string[];
  /** Course-kernel compatibility shims for the user's module (build/compat.ts); on unless false. */
  compat?: boolean;
  /** Where the initramfs is written. */
  runDir: string;
}

export interface PreparedGuest {
  kshram: ModuleBuildResult;
  /** The hello module (from the cache after its first build for a kit). */
  hello: string;
  programs: GuestPrograms;
  initramfs: string;
}

/**
 * Builds everything a guest needs from a workspace: the user's module (a
 * failed build is a result, not an error: the guest boots without it), our
 * hello module and programs (both cached by content), and the initramfs
 * holding them all.
 */
export async function prepareGuest(options: PrepareOptions): Promise<PreparedGuest> {
  const { kit, toolchain } = options;
  if (!existsSync(join(options.workspaceDir, 'kshram.c'))) {
    throw new LabError('WORKSPACE_INVALID', `There is no kshram.c in ${options.workspaceDir}.`, 'Open a folder that holds your kshram.c, or create one from a template.');
  }
  const builds = [
    buildModule({ dir: options.workspaceDir, name: 'kshram', fallbackHeaders: [join(moduleDir, 'kshram.h')] }, { kit, toolchain, kcflags: options.kcflags, compat: options.compat, workDir: join(options.runDir, 'kshram') }),
    helloModule(kit, toolchain),
    buildGuestPrograms(toolchain, options.checksDir),
  ] as const;
  // all three settle before an error is thrown, so no build still writes into runDir while the caller removes it
  await Promise.allSettled(builds);
  const [kshram, hello, programs] = await Promise.all(builds);
  const modules: Record<string, string> = { 'hello.ko': hello };
  if (kshram.ok) modules['kshram.ko'] = kshram.koPath!;
  const initramfs = await composeInitramfs(kit, { programs, modules }, join(options.runDir, 'initramfs.cpio'));
  return { kshram, hello, programs, initramfs };
}
