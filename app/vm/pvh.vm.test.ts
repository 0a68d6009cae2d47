import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadKit } from '../kit/kit.js';
import { bootableKernel, hasPvhNote } from './pvh.js';

describe('uncompressed PVH kernel', () => {
  it("extracts the default kit's kernel as an ELF with the PVH entry note", async () => {
    const kit = await loadKit();
    const path = await bootableKernel(kit);
    expect(path).not.toBe(kit.kernelImagePath);
    const elf = readFileSync(path);
    expect(elf.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(hasPvhNote(elf)).toBe(true);
    expect(await bootableKernel(kit)).toBe(path);
  });
});
