import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stateDir } from '../paths.js';
import { BreakpointStore, savedFrom } from './breakpoint-store.js';

describe('breakpoints kept per workspace', () => {
  it('toggles, keeps order and one per line, and survives a new store on the same folder', async () => {
    const dir = `/tmp/kshram-bp-${process.pid}-a`;
    const store = await BreakpointStore.open(dir);
    expect(store.breakpoints).toEqual([]);
    await store.toggle('kshram.c', 140);
    await store.toggle('kshram.h', 3);
    expect(await store.toggle('kshram.c', 138)).toEqual([
      { file: 'kshram.c', line: 138 },
      { file: 'kshram.c', line: 140 },
      { file: 'kshram.h', line: 3 },
    ]);
    expect(await store.toggle('kshram.c', 140)).toEqual([
      { file: 'kshram.c', line: 138 },
      { file: 'kshram.h', line: 3 },
    ]);
    expect((await BreakpointStore.open(dir)).breakpoints).toEqual(store.breakpoints);
    // another folder has its own, and the file is the user's alone
    expect((await BreakpointStore.open(`${dir}-other`)).breakpoints).toEqual([]);
    const { mode } = await stat(join(stateDir(), 'breakpoints.json'));
    expect(mode & 0o077).toBe(0);
    expect(JSON.parse(await readFile(join(stateDir(), 'breakpoints.json'), 'utf8'))).toContainEqual({ dir, breakpoints: store.breakpoints });
  });

  it('takes gdb\'s list during a debug boot: pending ones by the line asked for, none outside the workspace files', () => {
    expect(
      savedFrom([
        { id: 3, file: 'kshram.c', line: 150, pending: false },
        { id: 2, file: 'kshram.c', line: 138, pending: true },
        { id: 4, pending: false }, // `break *0xffffffff81000000` typed in the console
        { id: 5, file: 'kshram.c', line: 138, pending: false }, // the same line twice
      ]),
    ).toEqual([
      { file: 'kshram.c', line: 138 },
      { file: 'kshram.c', line: 150 },
    ]);
  });

  it('reads a damaged file as no breakpoints', async () => {
    await mkdir(stateDir(), { recursive: true });
    await writeFile(join(stateDir(), 'breakpoints.json'), '{not json');
    expect((await BreakpointStore.open(`/tmp/kshram-bp-${process.pid}-a`)).breakpoints).toEqual([]);
  });
});
