import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheDir } from '../paths.js';
import type { Environment } from './environment.js';
import type { BootProfile } from '../vm/profile.js';
import { bootableKernel } from '../vm/pvh.js';
import { qemuArgs, qemuVersion } from '../vm/qemu.js';

/**
 * The pristine-guest snapshots: a guest booted cold to its agent's first
 * answer, nothing of the student's loaded or run, saved with QEMU's
 * migration (app/vm/vm.ts save/restore). One per key; the key is a hash of
 * everything that shapes the guest, so any change makes a new one.
 */

/** Bumped when what a snapshot holds or how it is restored changes: older ones are not used. */
const SNAPSHOT_FORMAT = 1;
/** A maker that died mid-save leaves its folder; one this old is nobody's any more. */
const STALE_MAKING_MS = 60 * 60_000;
const META = 'meta.json';
const STATE = 'state';
const MAKING_PREFIX = '.making-';
const DISCARDED_PREFIX = '.discarded-';

/** What goes into a snapshot's key. */
export interface SnapshotKeyParts {
  format: number;
  /** `qemu-system-x86_64 --version`'s first line (Debian's revision included). */
  qemu: string;
  /** sha256 of the kit's kernel image (the PVH vmlinux booted is extracted from it). */
  kernel: string;
  /** Booted as the PVH vmlinux or as the bzImage itself. */
  pvh: boolean;
  /** sha256 of the initramfs the guest booted. */
  initramfs: string;
  /** QEMU's whole command line, run-specific paths and the gdb port replaced: machine, memory, vCPUs, accel, serial ports, kernel command line. */
  args: string[];
}

export interface SnapshotMeta {
  key: string;
  /** Kit and kind of boot: a newer snapshot replaces the older ones of its lineage. */
  lineage: string;
  parts: SnapshotKeyParts;
  /** The kernel release the agent reported. */
  release: string;
  /** What the console printed up to the save, shown again on restore. */
  console: string;
  stateBytes: number;
  /** The cold boot to the agent and the save, as measured when it was made. */
  bootMs: number;
  saveMs: number;
  createdAt: string;
}

export interface Snapshot {
  meta: SnapshotMeta;
  stateFile: string;
}

/** The key of the guest this boot would start, and its lineage. */
export interface SnapshotPlan {
  key: string;
  lineage: string;
  parts: SnapshotKeyParts;
}

const kernelHashes = new Map<string, Promise<string>>();

/** sha256 of a kernel image, once per process per file version (8-10 MB: ~30 ms). */
function kernelHash(path: string): Promise<string> {
  return stat(path).then((info) => {
    const id = `${path}|${info.size}|${info.mtimeMs}|${info.ino}`;
    let hash = kernelHashes.get(id);
    if (!hash) {
      hash = fileHash(path);
      kernelHashes.set(id, hash);
      hash.catch(() => kernelHashes.delete(id));
    }
    return hash;
  });
}

function fileHash(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** The profile's part of the lineage: a plain, checked or debug guest (or both). */
function profileVariant(profile: BootProfile): string {
  return [profile.checked ? 'checked' : '', profile.debug ? 'debug' : ''].filter(Boolean).join('-') || 'plain';
}

/**
 * Everything that shapes a guest booted from `initramfs` with this
 * profile. Chardev paths and the gdb port are not guest state: they are
 * placeholders, so every run of one kind shares the snapshot.
 */
export async function snapshotPlan(env: Environment, initramfs: string, profile: BootProfile): Promise<SnapshotPlan> {
  const { kit, accel } = env;
  const [qemu, kernel, bootable, initramfsHash] = await Promise.all([qemuVersion(), kernelHash(kit.kernelImagePath), bootableKernel(kit), fileHash(initramfs)]);
  const keyProfile: BootProfile = { ...profile, ...(profile.debug ? { debug: { port: 0, wait: false } } : {}), start: 'snapshot' };
  const args = qemuArgs(kit, { accel: accel.accel, kernel: '<kernel>', initramfs: '<initramfs>', agentSocket: '<agent>', qmpSocket: '<qmp>', profile: keyProfile });
  const parts: SnapshotKeyParts = { format: SNAPSHOT_FORMAT, qemu, kernel, pvh: bootable !== kit.kernelImagePath, initramfs: initramfsHash, args };
  const key = createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
  return { key, lineage: `${kit.name}-${accel.accel}-${profileVariant(profile)}`, parts };
}

/** The snapshots in one folder (the user's cache: ~/.cache/kshram-lab/snapshots). */
export class SnapshotStore {
  constructor(readonly dir: string = join(cacheDir(), 'snapshots')) {}

  /** The snapshot of this key, if one was made and is whole. */
  async find(key: string): Promise<Snapshot | undefined> {
    const dir = join(this.dir, key);
    try {
      const meta = JSON.parse(await readFile(join(dir, META), 'utf8')) as SnapshotMeta;
      const stateFile = join(dir, STATE);
      if (meta.key !== key || (await stat(stateFile)).size !== meta.stateBytes) return undefined;
      return { meta, stateFile };
    } catch {
      return undefined;
    }
  }

  /**
   * Makes a snapshot: `write` saves the guest's state into the file it is
   * given, in a private folder that is renamed into place whole. Two makers
   * of one key (two grades at once) both finish; the first rename wins and
   * the other's folder is dropped, so a reader never sees half a snapshot.
   * Older snapshots of the lineage go.
   */
  async save(plan: SnapshotPlan, write: (stateFile: string) => Promise<Omit<SnapshotMeta, 'key' | 'lineage' | 'parts' | 'stateBytes' | 'createdAt'>>): Promise<Snapshot> {
    await mkdir(this.dir, { recursive: true });
    await this.sweep();
    const making = join(this.dir, `${MAKING_PREFIX}${plan.key}-${process.pid}-${randomBytes(4).toString('hex')}`);
    await mkdir(making);
    try {
      const stateFile = join(making, STATE);
      const measured = await write(stateFile);
      const meta: SnapshotMeta = { key: plan.key, lineage: plan.lineage, parts: plan.parts, ...measured, stateBytes: (await stat(stateFile)).size, createdAt: new Date().toISOString() };
      await writeFile(join(making, META), JSON.stringify(meta, null, 2));
      const final = join(this.dir, plan.key);
      try {
        await rename(making, final);
      } catch (err) {
        // another maker of this key was first: theirs stands
        if (!existsSync(join(final, META))) throw err;
      }
      await this.dropOlder(plan);
      return { meta, stateFile: join(final, STATE) };
    } finally {
      await rm(making, { recursive: true, force: true });
    }
  }

  /** Removes a snapshot that did not restore; a run restoring from it right now falls back like this one. */
  async discard(key: string): Promise<void> {
    const gone = join(this.dir, `${DISCARDED_PREFIX}${key}-${randomBytes(4).toString('hex')}`);
    try {
      await rename(join(this.dir, key), gone);
    } catch {
      return;
    }
    await rm(gone, { recursive: true, force: true });
  }

  /** Snapshots of this lineage with another key: the kit, QEMU or initramfs changed since. */
  private async dropOlder(plan: SnapshotPlan): Promise<void> {
    for (const name of await readdir(this.dir)) {
      if (name === plan.key || name.startsWith('.')) continue;
      const meta = await readFile(join(this.dir, name, META), 'utf8').then((text) => JSON.parse(text) as SnapshotMeta, () => undefined);
      if (meta?.lineage === plan.lineage) await this.discard(name);
    }
  }

  /** Folders of makers that died mid-save, and discarded ones whose removal was cut short. */
  private async sweep(): Promise<void> {
    for (const name of await readdir(this.dir)) {
      if (!name.startsWith(MAKING_PREFIX) && !name.startsWith(DISCARDED_PREFIX)) continue;
      const path = join(this.dir, name);
      const info = await stat(path).catch(() => undefined);
      if (info && (name.startsWith(DISCARDED_PREFIX) || Date.now() - info.mtimeMs > STALE_MAKING_MS)) await rm(path, { recursive: true, force: true });
    }
  }
}
