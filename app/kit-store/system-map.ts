import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startGuest } from '../boot/boot-guest.js';
import { resolveEnvironment } from '../boot/environment.js';
import { LabError } from '../errors.js';
import { prepareGuestBase } from '../guest/prepare.js';
import { loadKit, type Kit } from '../kit/kit.js';
import { KernelSymbols } from '../kit/system-map.js';
import { moduleDir } from '../paths.js';
import { bootProfile } from '../vm/profile.js';
import type { Vm } from '../vm/vm.js';

/** The kit's System.map, beside its kernel. */
export const SYSTEM_MAP_FILE = 'System.map';
/** A stock kit boots in ~5-10 s under TCG, a debug kit's KASAN kernel in ~18 s; a busy host takes several times that. */
const BOOT_READY_MS = 180_000;
/**
 * The code symbols, gzipped, cross the agent's serial line at ~85 KB/s
 * (measured: Debian 6.1's 580 KB of base64 in 8-11 s, 6.12's ~1 MB in
 * 21 s); a busy host takes several times that.
 */
const DUMP_TIMEOUT_MS = 300_000;
/** A whole kernel has tens of thousands of functions (Debian 6.1: ~50 000); far fewer is not one. */
const MIN_SYMBOLS = 1_000;
/**
 * The guest's code symbols as System.map lines: no module's (`[hello]`),
 * no 6.x call padding (`__pfx_*`, half of 6.12's names, never a return
 * address), gzipped and base64-encoded for the agent's text channel.
 */
const DUMP_COMMAND = "grep -E '^[0-9a-f]+ [tTwW] ' /proc/kallsyms | grep -v -e '\\[' -e ' __pfx_' | gzip | base64";

/** A built-in or debug kit made before kits kept a System.map: `kits install` completes it. */
export function lacksSystemMap(kit: Kit): boolean {
  return kit.source === 'debian' && !(kit.systemMapPath && existsSync(kit.systemMapPath));
}

/**
 * Gives a kit its kernel's System.map, for the debugger's names of kernel
 * frames (app/debug). Debian's linux-image packages carry a one-line
 * placeholder (the real map is in the ~860 MB -dbg package), so the kit's
 * kernel is booted once with nokaslr, as every debug boot is, and its own
 * /proc/kallsyms is read: the exact addresses the debugger will see. The
 * file and kit.json are replaced atomically; nothing else of the kit
 * changes. A failure is reported, not thrown: the kit works without it
 * (kernel frames show as addresses) and the next `kits install` tries again.
 */
export async function completeKit(kit: Kit, onProgress: (line: string) => void): Promise<Kit> {
  if (!lacksSystemMap(kit)) return kit;
  onProgress(`reading the kernel's symbols for the debugger: booting ${kit.name} once with nokaslr (System.map)`);
  try {
    const text = await readKernelSymbols(kit.name);
    const partial = join(kit.dir, `${SYSTEM_MAP_FILE}.${process.pid}.partial`);
    await writeFile(partial, text);
    await rename(partial, join(kit.dir, SYSTEM_MAP_FILE));
    await setManifestField(kit.dir, 'systemMap', SYSTEM_MAP_FILE);
    const completed = await loadKit(kit.name);
    onProgress(`System.map: ${text.split('\n').filter(Boolean).length} kernel functions`);
    return completed;
  } catch (err) {
    onProgress(`warning: no System.map for ${kit.name} (${(err as Error).message}): the debugger shows kernel frames as addresses; kshram-lab kits install ${kit.name} tries again`);
    return kit;
  }
}

/** The code symbols of the kit's kernel booted with nokaslr, as System.map text. */
async function readKernelSymbols(kitName: string): Promise<string> {
  const env = await resolveEnvironment({ kit: kitName });
  const runDir = await mkdtemp(join(tmpdir(), 'kshram-system-map-'));
  let vm: Vm | undefined;
  try {
    const base = await prepareGuestBase({ kit: env.kit, toolchain: env.toolchain, workspaceDir: moduleDir, runDir });
    vm = await startGuest(env, base, { profile: bootProfile(env.kit, { nokaslr: true, coldBoot: true }) });
    await vm.agent.waitReady(BOOT_READY_MS);
    let encoded = '';
    const result = await vm.agent.run(DUMP_COMMAND, { timeoutMs: DUMP_TIMEOUT_MS, onOutput: (text) => (encoded += text) });
    if (result.status !== 0) throw new LabError('KIT_INSTALL_FAILED', `reading /proc/kallsyms in the guest failed (${result.timedOut ? 'timed out' : `exit ${result.status}`})`);
    const text = gunzipSync(Buffer.from(encoded, 'base64')).toString('utf8');
    // all-zero addresses (kptr_restrict) leave no text range: no map
    const symbols = KernelSymbols.parse(text);
    if (!symbols || symbols.size < MIN_SYMBOLS) throw new LabError('KIT_INSTALL_FAILED', `the guest's /proc/kallsyms held ${symbols?.size ?? 0} kernel functions`);
    return text;
  } finally {
    await vm?.stop();
    await rm(runDir, { recursive: true, force: true });
  }
}

/** Sets one field of kit.json, replacing the file atomically (a boot reading it meanwhile sees the old or the new). */
async function setManifestField(dir: string, key: string, value: string): Promise<void> {
  const path = join(dir, 'kit.json');
  const manifest = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  manifest[key] = value;
  const partial = `${path}.${process.pid}.partial`;
  await writeFile(partial, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(partial, path);
}
