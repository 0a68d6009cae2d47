import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { chown, lstat, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { LabError } from '../errors.js';
import { run } from '../process.js';

/**
 * The sandbox every native build of submitted code runs in (bubblewrap):
 * no network, no other processes, a filesystem of only the toolchain
 * (/usr, read-only), the kit's build tree and our shims (read-only) and
 * the private copy of the sources (the one writable folder); as an
 * unprivileged user, with per-process limits on memory, CPU time and
 * file size. `#include "/etc/shadow"`, `.incbin "/root/secret"` and a
 * symlink to either find nothing: those files are not in the view.
 */

export const BWRAP = 'bwrap';
/** The unprivileged user a build runs as when we are root ("nobody"). */
export const SANDBOX_UID = 65534;
export const SANDBOX_GID = 65534;
/** Per process (each cc1 alone): a kshram build needs ~200 MB; `#include "/dev/zero"` would take the machine. */
export const SANDBOX_ADDRESS_SPACE_BYTES = 1024 * 1024 * 1024;
/** Per process CPU seconds: a module compiles in ~3 s; this bounds a compiler loop even if our timer is gone. */
export const SANDBOX_CPU_SECONDS = 120;
/** Largest file a build may write: a .ko with debug info is a few MB. */
export const SANDBOX_FILE_BYTES = 256 * 1024 * 1024;
/** The build's private /tmp (in memory). */
export const SANDBOX_TMP_BYTES = 256 * 1024 * 1024;
/** Builds without the sandbox: only for hosts where bubblewrap cannot run, and only for code you trust. */
export const NO_SANDBOX_ENV = 'KSHRAM_LAB_NO_SANDBOX';
/** A probe of bwrap answers at once. */
const PROBE_TIMEOUT_MS = 10_000;
/** The host paths of the toolchain; /etc/alternatives holds cc's link, ld.so.cache the library paths. */
const TOOLCHAIN_DIRS = ['/usr'];
const TOOLCHAIN_FILES = ['/etc/alternatives', '/etc/ld.so.cache'];
/** Merged-/usr links (or real folders on older systems). */
const ROOT_LINKS = ['/bin', '/sbin', '/lib', '/lib64', '/lib32', '/libx32'];

export interface SandboxSpec {
  command: readonly string[];
  cwd: string;
  /** Folders the command reads: the kit's build tree, the compat shims. */
  readOnly: readonly string[];
  /** Folders it writes: the private copy of the sources. */
  writable: readonly string[];
  env: Record<string, string>;
  /** Per-process bounds other than the build's (an ELF reader mapping a large vmlinux needs more address space). */
  limits?: Partial<SandboxLimits>;
}

/** The per-process bounds prlimit sets inside the sandbox. */
export interface SandboxLimits {
  addressSpaceBytes: number;
  cpuSeconds: number;
  fileBytes: number;
}

const BUILD_LIMITS: SandboxLimits = { addressSpaceBytes: SANDBOX_ADDRESS_SPACE_BYTES, cpuSeconds: SANDBOX_CPU_SECONDS, fileBytes: SANDBOX_FILE_BYTES };

const isRoot = (): boolean => process.getuid?.() === 0;

/** The sandbox's own environment: nothing of ours (tokens, paths) leaks into the build. */
export function sandboxEnvironment(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', HOME: '/tmp', TMPDIR: '/tmp', LC_ALL: 'C', LANG: 'C', ...extra };
}

/** bwrap's argument list for a spec (without the bwrap itself). */
export function sandboxArguments(spec: SandboxSpec): string[] {
  const args = [
    // as root no user namespace: mounts are set up as root, then setpriv drops to nobody
    ...(isRoot() ? ['--unshare-ipc', '--unshare-pid', '--unshare-net', '--unshare-uts', '--unshare-cgroup-try'] : ['--unshare-all']),
    '--die-with-parent',
    '--new-session',
    '--clearenv',
  ];
  for (const [key, value] of Object.entries(spec.env)) args.push('--setenv', key, value);
  for (const dir of TOOLCHAIN_DIRS) args.push('--ro-bind', dir, dir);
  for (const link of ROOT_LINKS) {
    const info = lstatOrUndefined(link);
    if (info?.isSymbolicLink()) args.push('--symlink', readlinkSync(link), link);
    else if (info?.isDirectory()) args.push('--ro-bind', link, link);
  }
  args.push('--proc', '/proc', '--dev', '/dev', '--perms', '1777', '--size', String(SANDBOX_TMP_BYTES), '--tmpfs', '/tmp');
  const made = new Set<string>(['/', '/usr', '/proc', '/dev', '/tmp', ...ROOT_LINKS]);
  const parents = (path: string): void => {
    // bwrap would make missing parents 0700 root: a build running as nobody could not walk through them
    const missing: string[] = [];
    for (let dir = dirname(path); !made.has(dir); dir = dirname(dir)) missing.unshift(dir);
    for (const dir of missing) {
      args.push('--perms', '0755', '--dir', dir);
      made.add(dir);
    }
  };
  for (const file of TOOLCHAIN_FILES) {
    if (!existsSync(file)) continue;
    parents(file);
    args.push('--ro-bind', file, file);
  }
  for (const dir of spec.readOnly) {
    // a file (an ELF to read) or a folder (a build tree)
    const path = resolve(dir);
    parents(path);
    args.push('--ro-bind', path, path);
    made.add(path);
  }
  for (const dir of spec.writable) {
    const path = resolve(dir);
    parents(path);
    args.push('--bind', path, path);
    made.add(path);
  }
  args.push('--chdir', spec.cwd, '--');
  const limits = { ...BUILD_LIMITS, ...spec.limits };
  args.push(
    'prlimit',
    `--as=${limits.addressSpaceBytes}`,
    `--cpu=${limits.cpuSeconds}`,
    `--fsize=${limits.fileBytes}`,
    '--core=0',
    '--',
  );
  if (isRoot()) {
    args.push('setpriv', `--reuid=${SANDBOX_UID}`, `--regid=${SANDBOX_GID}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--no-new-privs', '--');
  }
  args.push(...spec.command);
  return args;
}

function lstatOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** True when builds run without the sandbox because the user asked (KSHRAM_LAB_NO_SANDBOX=1). */
export function sandboxDisabled(): boolean {
  return Boolean(process.env[NO_SANDBOX_ENV]);
}

let probed: Promise<void> | undefined;

/** Checks once that bwrap is installed and can make a sandbox here; a clear error when not. */
export function checkSandbox(): Promise<void> {
  probed ??= probe().catch((err: unknown) => {
    probed = undefined;
    throw err;
  });
  return probed;
}

async function probe(): Promise<void> {
  const suggestion = `Install bubblewrap (apt-get install bubblewrap; npm run setup does), or build with --toolchain docker. Only for code you trust: ${NO_SANDBOX_ENV}=1 builds without the sandbox.`;
  let result;
  try {
    result = await run(BWRAP, sandboxArguments({ command: ['true'], cwd: '/', readOnly: [], writable: [], env: sandboxEnvironment() }), { timeoutMs: PROBE_TIMEOUT_MS });
  } catch {
    throw new LabError('TOOLCHAIN_MISSING', 'bubblewrap (bwrap) is not installed; builds of submitted code run in its sandbox.', suggestion);
  }
  if (result.code !== 0) {
    throw new LabError('TOOLCHAIN_MISSING', `bubblewrap cannot make a build sandbox on this host: ${result.output.trim().split('\n').slice(-2).join(' ') || `exit status ${result.code}`}`, suggestion);
  }
}

/** Hands the writable folders to the sandbox's user (when we are root) before a build. */
export async function giveToSandbox(dirs: readonly string[]): Promise<void> {
  if (isRoot()) for (const dir of dirs) await chownTree(dir, SANDBOX_UID, SANDBOX_GID);
}

/** Takes them back after, so the cache never holds files another user may change. */
export async function takeBackFromSandbox(dirs: readonly string[]): Promise<void> {
  if (isRoot()) for (const dir of dirs) await chownTree(dir, 0, 0);
}

async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  const info = await lstat(path).catch(() => undefined);
  if (!info || info.isSymbolicLink()) return;
  await chown(path, uid, gid);
  if (!info.isDirectory()) return;
  for (const name of await readdir(path)) await chownTree(join(path, name), uid, gid);
}

/** A compiler or assembler saying it cannot find an absolute path. */
const NOT_FOUND = /(?:fatal error: |file not found: |can't open |cannot open )['"]?(\/[^'":\s]+)['"]?(?:: No such file or directory)?/g;

/**
 * The absolute paths a failed build looked for outside what the sandbox
 * shows (`#include "/etc/shadow"`), so the student learns why the file is
 * not there. Decided by the sandbox's view alone, never by looking on the
 * host: a path that exists there and one that does not get the same
 * message, or a submission could map the grader's files by trying names.
 */
export function refusedPaths(log: string, visible: readonly string[]): string[] {
  const found = new Set<string>();
  for (const match of log.matchAll(NOT_FOUND)) {
    const path = match[1]!;
    if (!visible.some((dir) => path === dir || path.startsWith(`${dir.replace(/\/$/, '')}/`))) found.add(path);
  }
  return [...found];
}
