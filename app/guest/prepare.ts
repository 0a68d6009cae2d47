import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { compatDisabled } from '../build/compat.js';
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
  /** A checked run (app/checked): the guest logs where modules are loaded. */
  checked?: boolean;
  /**
   * A kshram.ko built elsewhere (an upload to the course service), used
   * as it is instead of building workspaceDir's kshram.c.
   */
  prebuiltKo?: string;
}

export interface PreparedGuest {
  kshram: ModuleBuildResult;
  /** The hello module (from the cache after its first build for a kit). */
  hello: string;
  programs: GuestPrograms;
  initramfs: string;
}

/** The guest without the user's module: what the VM can boot while kshram.c still compiles. */
export type GuestBase = Omit<PreparedGuest, 'kshram'>;

/**
 * Builds everything a guest needs from a workspace: the user's module (a
 * failed build is a result, not an error: the guest boots without it), our
 * hello module and programs (both cached by content), and the initramfs
 * holding them all.
 */
export async function prepareGuest(options: PrepareOptions): Promise<PreparedGuest> {
  if (!options.prebuiltKo) checkWorkspace(options.workspaceDir);
  const builds = [buildUserModule(options), prepareGuestBase(options)] as const;
  // both settle before an error is thrown, so no build still writes into runDir while the caller removes it
  await Promise.allSettled(builds);
  const [kshram, base] = await Promise.all(builds);
  const modules: Record<string, string> = { 'hello.ko': base.hello };
  if (kshram.ok) modules['kshram.ko'] = kshram.koPath!;
  const initramfs = await composeInitramfs(options.kit, { programs: base.programs, modules, checked: options.checked }, join(options.runDir, 'initramfs.cpio'));
  return { ...base, kshram, initramfs };
}

export function checkWorkspace(workspaceDir: string): void {
  if (!existsSync(join(workspaceDir, 'kshram.c'))) {
    throw new LabError('WORKSPACE_INVALID', `There is no kshram.c in ${workspaceDir}.`, 'Open a folder that holds your kshram.c, or create one from a template.');
  }
}

/** The user's kshram.ko, in runDir/kshram. */
export function buildUserModule(options: PrepareOptions): Promise<ModuleBuildResult> {
  if (options.prebuiltKo) return usePrebuiltModule(options.prebuiltKo, join(options.runDir, 'kshram'));
  const { kit, toolchain } = options;
  return buildModule({ dir: options.workspaceDir, name: 'kshram', fallbackHeaders: [join(moduleDir, 'kshram.h')] }, { kit, toolchain, kcflags: options.kcflags, compat: options.compat, workDir: join(options.runDir, 'kshram') });
}

/** hello.ko, the programs (cached after the first time) and an initramfs of them without kshram.ko. */
export async function prepareGuestBase(options: PrepareOptions): Promise<GuestBase> {
  const [hello, programs] = await Promise.all([helloModule(options.kit, options.toolchain), buildGuestPrograms(options.toolchain, options.checksDir)]);
  const initramfs = await composeInitramfs(options.kit, { programs, modules: { 'hello.ko': hello }, checked: options.checked }, join(options.runDir, 'base-initramfs.cpio'));
  return { hello, programs, initramfs };
}

/** A module built elsewhere, as if this build had made it: a copy in the run's folder, no diagnostics. */
async function usePrebuiltModule(koPath: string, buildDir: string): Promise<ModuleBuildResult> {
  await mkdir(buildDir, { recursive: true });
  const copy = join(buildDir, 'kshram.ko');
  await copyFile(koPath, copy);
  return { ok: true, koPath: copy, buildDir, sources: [], log: '', diagnostics: [], compat: compatDisabled(), elapsedMs: 0, prebuilt: true };
}
