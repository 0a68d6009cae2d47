import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Toolchain } from '../build/toolchain.js';
import { LabError } from '../errors.js';
import type { Vm } from '../vm/vm.js';
import { GUEST_MODULE_DIR } from './initramfs.js';
import { MAX_REQUEST_PAYLOAD } from '../agent/protocol.js';

/** Bytes of module per agent command: base64 of this plus the shell around it fits one request. */
const CHUNK_BYTES = Math.floor(((MAX_REQUEST_PAYLOAD - 256) * 3) / 4);
/** strip of a module takes milliseconds. */
const STRIP_TIMEOUT_MS = 30_000;
/** Writing a chunk in the guest takes milliseconds; the serial line carries ~64 KiB. */
const CHUNK_TIMEOUT_MS = 20_000;

/**
 * Puts a module built while the guest booted into the guest's module
 * folder, through the agent, as if it had been in the initramfs. The
 * guest gets a copy without debug sections (20 KB instead of 300 KB over
 * the serial line; the code, and so every address in a kernel report, is
 * the same); the host keeps the full .ko for symbolizing. Waits for the
 * agent; returns quietly when the guest dies first (the caller sees that
 * itself).
 */
export async function deliverModule(vm: Vm, toolchain: Toolchain, koPath: string, readyTimeoutMs: number): Promise<void> {
  const dir = dirname(koPath);
  const lean = join(dir, `guest-${basename(koPath)}`);
  const stripped = await toolchain.exec(['strip', '--strip-debug', '-o', lean, koPath], { cwd: dir, mounts: [], writable: [dir], timeoutMs: STRIP_TIMEOUT_MS });
  const data = await readFile(stripped.code === 0 ? lean : koPath);

  try {
    await vm.agent.waitReady(readyTimeoutMs);
  } catch {
    return;
  }
  const target = `${GUEST_MODULE_DIR}/${basename(koPath)}`;
  for (let offset = 0; offset < data.length; offset += CHUNK_BYTES) {
    const chunk = data.subarray(offset, offset + CHUNK_BYTES).toString('base64');
    const result = await vm.agent.run(`printf %s '${chunk}' | base64 -d ${offset ? '>>' : '>'} ${target}.part`, { timeoutMs: CHUNK_TIMEOUT_MS }).catch(() => undefined);
    if (!result || !vm.running) return;
    if (result.status !== 0) throw new LabError('QEMU_FAILED', `Could not copy ${basename(koPath)} into the guest: ${result.output.trim() || `exit ${result.status}`}`);
  }
  const moved = await vm.agent.run(`mv ${target}.part ${target}`, { timeoutMs: CHUNK_TIMEOUT_MS }).catch(() => undefined);
  if (moved && vm.running && moved.status !== 0) throw new LabError('QEMU_FAILED', `Could not copy ${basename(koPath)} into the guest: ${moved.output.trim()}`);
}
