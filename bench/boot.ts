/**
 * Boot benchmark: how long from QEMU's start until the guest agent answers,
 * per kit, and the guest's own uptime at that moment (the rest is QEMU,
 * firmware and decompression).
 *   npx tsx bench/boot.ts [runs] [kit ...]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGuest, startGuest } from '../app/boot/boot-guest.js';
import { resolveEnvironment } from '../app/boot/environment.js';
import { DEFAULT_KIT } from '../app/kit/kit.js';
import { moduleDir } from '../app/paths.js';
import { bootProfile } from '../app/vm/profile.js';
import { median, printTable, seconds } from './stats.js';
import { guardThisProcess } from '../test/guarded.js';

// under the suite's leftover guard: whatever it starts must be gone when it ends (test/guarded.ts)
await guardThisProcess();

const BOOT_TIMEOUT_MS = 90_000;
const runs = Number(process.argv[2] ?? 5);
const kits = process.argv.length > 3 ? process.argv.slice(3) : [DEFAULT_KIT];
const rows: string[][] = [];

for (const name of kits) {
  // the boot path's two stages: one build, then boots of it
  const env = await resolveEnvironment({ kit: name });
  const { kit, accel } = env;
  // a debug kit boots as every run on it does: checked (bootProfile says so)
  const profile = bootProfile(kit, { coldBoot: true });
  const runDir = await mkdtemp(join(tmpdir(), 'kshram-bench-'));
  const prepareStarted = Date.now();
  const guest = await buildGuest(env, { dir: moduleDir }, runDir, profile);
  const prepareMs = Date.now() - prepareStarted;
  const walls: number[] = [];
  const uptimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = Date.now();
    const vm = await startGuest(env, guest, { profile });
    try {
      await vm.agent.waitReady(BOOT_TIMEOUT_MS);
      walls.push(Date.now() - started);
      const uptime = await vm.agent.run('cut -d" " -f1 /proc/uptime', { timeoutMs: 5_000 });
      uptimes.push(Number(uptime.output.trim()) * 1000);
    } finally {
      await vm.stop();
    }
  }
  await rm(runDir, { recursive: true, force: true });
  rows.push([name, kit.kernelRelease, accel.accel, String(runs), seconds(prepareMs), seconds(median(walls)), seconds(Math.min(...walls)), seconds(Math.max(...walls)), seconds(median(uptimes))]);
}

printTable(['kit', 'kernel', 'accel', 'runs', 'build+initramfs s', 'boot median s', 'min s', 'max s', 'guest uptime s'], rows);
