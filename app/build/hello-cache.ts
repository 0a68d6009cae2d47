import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LabError } from '../errors.js';
import type { Kit } from '../kit/kit.js';
import { cacheDir, helloModuleDir } from '../paths.js';
import { buildModule } from './module.js';
import type { Toolchain } from './toolchain.js';

/** Where built hello modules are kept, one folder per content hash. */
export const helloCacheDir = (): string => join(cacheDir(), 'hello');

/**
 * The hello module for a kit, built once and then taken from the cache:
 * it never changes between grades, and a kbuild run costs a second or
 * more of CPU that the student's own build needs. The key covers the
 * module's sources, the toolchain, and the kit's build tree (its
 * Makefile, configuration and symbols: a reinstalled kit rebuilds).
 */
export async function helloModule(kit: Kit, toolchain: Toolchain): Promise<string> {
  const outDir = join(helloCacheDir(), await helloKey(kit, toolchain));
  const koPath = join(outDir, 'hello.ko');
  if (existsSync(koPath)) return koPath;

  const staging = `${outDir}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const built = await buildModule({ dir: helloModuleDir, name: 'hello' }, { kit, toolchain, compat: false, workDir: join(staging, 'build') });
    if (!built.ok) {
      throw new LabError('BUILD_FAILED', `The hello module does not build with the kit "${kit.name}":\n${built.log.trim().split('\n').slice(-10).join('\n')}`, "The kit's module build directory is broken; reinstall the kit.");
    }
    await rename(built.koPath!, join(staging, 'hello.ko'));
    await rm(join(staging, 'build'), { recursive: true, force: true });
    // another grade may have finished the same build meanwhile; theirs is as good
    await rename(staging, outDir).catch(() => undefined);
    return koPath;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function helloKey(kit: Kit, toolchain: Toolchain): Promise<string> {
  const hash = createHash('sha256').update(await toolchain.identity()).update(kit.kernelRelease).update(kit.buildDirPath);
  for (const name of (await readdir(helloModuleDir)).sort()) hash.update(name).update(await readFile(join(helloModuleDir, name)));
  for (const name of ['Makefile', '.config', 'Module.symvers']) {
    const info = await stat(join(kit.buildDirPath, name)).catch(() => undefined);
    hash.update(`${name} ${info?.size ?? '-'} ${info?.mtimeMs ?? '-'}`);
  }
  return hash.digest('hex').slice(0, 16);
}
