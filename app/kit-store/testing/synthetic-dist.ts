/**
 * Builds archives in the layout of the course's dist.tbz from the Debian
 * kit's parts (we do not have the real one): dist/vmlinuz-RELEASE,
 * dist/rootfs.cpio.bz2 (busybox with its own /init), dist/qemu.sh with
 * the course's flags, dist/modulebuild (the Debian headers merged into one
 * self-contained kbuild tree). Variants break one part each, for the
 * import's validation tests.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCpio, type CpioEntry } from '../../guest/cpio.js';
import { run } from '../../process.js';
import type { Kit } from '../../kit/kit.js';

export interface DistVariant {
  kernel?: 'ok' | 'missing' | 'not-bzimage';
  rootfs?: 'ok' | 'missing' | 'not-cpio' | 'damaged' | 'no-busybox';
  /** real: the Debian headers as one tree (60 MiB); fake: a Makefile and .config that build nothing. */
  build?: 'real' | 'fake' | 'missing' | 'no-config' | 'other-release';
  qemuSh?: boolean;
}

/** The course's qemu.sh, as the seed describes it (96 MiB, two CPUs, serial console). */
export const COURSE_QEMU_SH = `#!/bin/sh
qemu-system-x86_64 \\
	-smp 2 -m 96M -cpu qemu64 \\
	-kernel dist/vmlinuz-RELEASE \\
	-initrd dist/rootfs.cpio.bz2 \\
	-append "console=ttyS0 rdinit=/init quiet panic=-1 nokaslr" \\
	-serial mon:stdio -nographic -monitor none -no-reboot -net none
`;

const ROOTFS_INIT = '#!/bin/busybox sh\necho "course rootfs: its own /init"\nexec /bin/busybox sh\n';

async function sh(script: string, cwd: string): Promise<void> {
  const result = await run('bash', ['-euo', 'pipefail', '-c', script], { cwd });
  if (result.code !== 0) throw new Error(`synthetic dist: ${script}\n${result.output}`);
}

/** Writes dist.tbz for the variant (from the installed Debian kit) and returns its path. */
export async function makeSyntheticDist(kit: Kit, variant: DistVariant = {}, outDir?: string): Promise<string> {
  const work = outDir ?? (await mkdtemp(join(tmpdir(), 'kshram-dist-')));
  const dist = join(work, 'tree', 'dist');
  await mkdir(dist, { recursive: true });
  const release = kit.kernelRelease;

  if ((variant.kernel ?? 'ok') === 'ok') await copyFile(kit.kernelImagePath, join(dist, `vmlinuz-${release}`));
  else if (variant.kernel === 'not-bzimage') await writeFile(join(dist, `vmlinuz-${release}`), 'this is not a kernel\n'.repeat(100));

  const rootfs = variant.rootfs ?? 'ok';
  if (rootfs === 'ok' || rootfs === 'no-busybox') {
    const entries: CpioEntry[] = ['bin', 'sbin', 'etc', 'proc', 'sys', 'dev', 'tmp'].map((path) => ({ path, type: 'dir' }));
    if (rootfs === 'ok') entries.push({ path: 'bin/busybox', type: 'file', data: await readFile(kit.busyboxPath!), mode: 0o755 }, { path: 'bin/sh', type: 'symlink', target: 'busybox' });
    entries.push({ path: 'init', type: 'file', data: Buffer.from(ROOTFS_INIT), mode: 0o755 }, { path: 'etc/course-rootfs', type: 'file', data: Buffer.from('from the archive\n') });
    await writeFile(join(dist, 'rootfs.cpio'), writeCpio(entries));
    await sh('bzip2 -f rootfs.cpio', dist);
  } else if (rootfs === 'not-cpio') {
    await writeFile(join(dist, 'rootfs.cpio'), 'plain text, not a cpio archive\n'.repeat(50));
    await sh('bzip2 -f rootfs.cpio', dist);
  } else if (rootfs === 'damaged') {
    await writeFile(join(dist, 'rootfs.cpio.bz2'), Buffer.concat([Buffer.from('BZh91AY&SY'), Buffer.alloc(200, 0x5a)]));
  }

  if (variant.qemuSh ?? true) await writeFile(join(dist, 'qemu.sh'), COURSE_QEMU_SH.replace('RELEASE', release));

  const build = variant.build ?? 'fake';
  const modulebuild = join(dist, 'modulebuild');
  if (build === 'real') await mergeDebianHeaders(kit.buildDirPath, modulebuild);
  else if (build !== 'missing') {
    await mkdir(join(modulebuild, 'include', 'generated'), { recursive: true });
    await writeFile(join(modulebuild, 'Makefile'), 'modules:\n\t@echo "this build directory cannot build modules" >&2; exit 2\n');
    if (build !== 'no-config') await writeFile(join(modulebuild, '.config'), 'CONFIG_MODULES=y\n');
    const uts = build === 'other-release' ? '6.2.6' : release;
    await writeFile(join(modulebuild, 'include', 'generated', 'utsrelease.h'), `#define UTS_RELEASE "${uts}"\n`);
  }

  const archive = join(work, 'dist.tbz');
  await sh(`tar -C tree -cjf ${JSON.stringify(archive)} dist`, work);
  return archive;
}

/**
 * One kbuild tree from Debian's split headers, like a course's
 * "make modules_prepare" tree: the common sources (x86 only), kbuild's
 * scripts, then the flavour's configuration and generated headers.
 */
async function mergeDebianHeaders(flavourDir: string, into: string): Promise<void> {
  const makefile = await readFile(join(flavourDir, 'Makefile'), 'utf8');
  const common = /include\s+(\S+)\/Makefile/.exec(makefile)?.[1];
  if (!common || !existsSync(common)) throw new Error(`synthetic dist: ${flavourDir}/Makefile does not name Debian's common headers`);
  await mkdir(join(into, 'arch'), { recursive: true });
  const q = JSON.stringify;
  await sh(
    [
      `cp -a ${q(`${common}/Makefile`)} ${q(`${common}/include`)} .`,
      `cp -a ${q(`${common}/arch/x86`)} arch/`,
      `cp -aL ${q(`${common}/scripts`)} ${q(`${common}/tools`)} .`,
      `cp -a ${q(`${flavourDir}/.config`)} ${q(`${flavourDir}/.kernelvariables`)} ${q(`${flavourDir}/Module.symvers`)} ${q(`${flavourDir}/arch`)} ${q(`${flavourDir}/include`)} .`,
    ].join(' && '),
    into,
  );
}
