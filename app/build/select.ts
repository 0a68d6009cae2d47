import type { Kit } from '../kit/kit.js';
import { NativeToolchain, type Toolchain, type ToolchainName } from './toolchain.js';

export type ToolchainPreference = ToolchainName | 'auto';

/** The toolchain for a kit: the user's choice, else the kit's own. */
export async function selectToolchain(kit: Kit, preference: ToolchainPreference = 'auto'): Promise<Toolchain> {
  const name = preference === 'auto' ? kit.toolchain : preference;
  switch (name) {
    case 'native':
      return new NativeToolchain();
    case 'docker':
      throw new Error('docker toolchain: not implemented');
  }
}
