import { mkdtemp, readdir, readFile, rm, writeFile, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { moduleDir } from '../paths.js';
import { bootGuest, type BootedGuest } from './boot-guest.js';
import { resolveEnvironment, type Environment } from './environment.js';
import { snapshotPlan, SnapshotStore } from './snapshot-store.js';
import { bootProfile } from '../vm/profile.js';

/** Generous: a cold TCG boot takes ~5 s here, more when other VMs share the cores. */
const BOOT_TIMEOUT_MS = 90_000;
const COMMAND_TIMEOUT_MS = 20_000;
/** The guest's clock after a restore is the host's, give or take the command's own time. */
const CLOCK_SLACK_S = 3;

/**
 * The pristine-guest snapshot on a real QEMU: made by the first boot,
 * restored by the next with the host's clock and fresh entropy, made anew
 * when the guest's command line changes, and a corrupt one discarded for a
 * cold boot with a note. Each test has its own store in a temp folder.
 */
describe('pristine guest snapshots', () => {
  let env: Environment;
  let storeDir: string;
  const booted: BootedGuest[] = [];

  beforeAll(async () => {
    env = await resolveEnvironment();
  });
  afterEach(async () => {
    await Promise.all(booted.splice(0).map((guest) => guest.dispose()));
  });
  afterAll(async () => {
    if (storeDir) await rm(storeDir, { recursive: true, force: true });
  });

  const boot = async (store: SnapshotStore, environment = env): Promise<BootedGuest> => {
    const guest = await bootGuest(environment, { dir: moduleDir }, { snapshots: store, waitReadyMs: BOOT_TIMEOUT_MS });
    booted.push(guest);
    return guest;
  };
  const sh = async (guest: BootedGuest, command: string): Promise<string> => {
    const result = await guest.vm.agent.run(command, { timeoutMs: COMMAND_TIMEOUT_MS });
    expect(result.status, command).toBe(0);
    return result.output.trim();
  };
  const newStore = async (): Promise<SnapshotStore> => {
    storeDir ??= await mkdtemp(join(tmpdir(), 'kshram-snapshots-'));
    return new SnapshotStore(await mkdtemp(join(storeDir, 'store-')));
  };
  const keys = async (store: SnapshotStore): Promise<string[]> => (await readdir(store.dir)).filter((name) => !name.startsWith('.'));

  it('the first boot makes it; guests restored from it have nothing loaded, the current time and their own random state', async () => {
    const store = await newStore();
    const first = await boot(store);
    expect(first.boot.start).toBe('cold');
    await first.dispose();
    expect(await keys(store)).toHaveLength(1);

    const restored = [await boot(store), await boot(store)];
    const randoms: string[] = [];
    for (const guest of restored) {
      expect(guest.boot.start).toBe('snapshot');
      expect(guest.vm.startedFrom).toBe('snapshot');
      expect(Math.abs(Number(await sh(guest, 'date +%s')) - Date.now() / 1000)).toBeLessThan(CLOCK_SLACK_S);
      randoms.push(await sh(guest, 'head -c 16 /dev/urandom | od -An -tx1'));
      // as after a cold boot: no module loaded, kshram.ko handed over but not loaded, nothing in /tmp
      expect(await sh(guest, 'cut -d" " -f1 /proc/modules')).toBe('');
      expect(await sh(guest, 'ls /lib/kshram')).toBe('hello.ko\nkshram.ko');
      expect(await sh(guest, 'ls -A /tmp')).toBe('');
      expect(await sh(guest, 'ls /dev | grep -c kshram || true')).toBe('0');
      // the console shows what the cold boot printed before the save
      expect(guest.vm.console).toContain('kshram lab guest:');
    }
    expect(randoms[0]).not.toBe(randoms[1]);
  });

  it('a changed kernel command line or initramfs makes a new snapshot', async () => {
    const store = await newStore();
    await boot(store);
    const [before] = await keys(store);
    const changed: Environment = { ...env, kit: { ...env.kit, qemu: { ...env.kit.qemu, append: `${env.kit.qemu.append} kshram_snapshot_test=1`.trim() } } };
    const guest = await boot(store, changed);
    expect(guest.boot.start).toBe('cold');
    expect(await sh(guest, 'cat /proc/cmdline')).toContain('kshram_snapshot_test=1');
    const after = await keys(store);
    // the new guest's snapshot replaced the older one of its kind
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(before);

    // the initramfs is in the key by content
    const dir = await mkdtemp(join(storeDir, 'initramfs-'));
    const profile = bootProfile(env.kit);
    await writeFile(join(dir, 'a.cpio'), 'one initramfs');
    await writeFile(join(dir, 'b.cpio'), 'another initramfs');
    const [a, b] = await Promise.all([snapshotPlan(env, join(dir, 'a.cpio'), profile), snapshotPlan(env, join(dir, 'b.cpio'), profile)]);
    expect(a.key).not.toBe(b.key);
    expect(a.lineage).toBe(b.lineage);
  });

  it('a corrupt snapshot is discarded: the guest boots cold with a note and a new one is made', async () => {
    const store = await newStore();
    await (await boot(store)).dispose();
    const [key] = await keys(store);
    const state = join(store.dir, key!, 'state');
    // garbage over the stream's start, the file's size unchanged
    const file = await open(state, 'r+');
    await file.write(Buffer.alloc(64 * 1024, 0x5a), 0, 64 * 1024, 0);
    await file.close();

    const guest = await boot(store);
    expect(guest.boot.start).toBe('cold');
    expect(guest.boot.notes.join('\n')).toMatch(/snapshot did not restore .*discarded.*booted cold/);
    expect(await sh(guest, 'uname -r')).toBe(env.kit.kernelRelease);
    await guest.dispose();
    // made anew from that cold boot, and whole
    const [remade] = await keys(store);
    expect(remade).toBe(key);
    const restored = await boot(store);
    expect(restored.boot.start).toBe('snapshot');
    expect(JSON.parse(await readFile(join(store.dir, key!, 'meta.json'), 'utf8'))).toMatchObject({ key });
  });
});
