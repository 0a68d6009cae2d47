import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ApiEvent, SlotsSnapshot, VmStatus } from '../api/contract.js';
import { LabSession } from './session.js';
import { until } from '../../test/until.js';

/**
 * How long the guest may take to answer a refresh or run a short command:
 * a moment when the host is idle, seconds when other VMs and builds share
 * its two cores. A refresh that never comes still fails.
 */
const GUEST_MS = 30_000;
/** Longer than a refresh can take on a loaded host, so one surely lands while the program runs. */
const BUSY_SECONDS = 10;

describe('a lab session on a real QEMU boot', () => {
  const session = new LabSession();
  const events: ApiEvent[] = [];
  session.onEvent((e) => events.push(e));
  let console = '';
  session.onEvent((e) => {
    if (e.name === 'console.data') console += e.payload.data;
  });
  const statuses = (): VmStatus[] => events.flatMap((e) => (e.name === 'vm.state' ? [e.payload] : []));
  const snapshots = (): SlotsSnapshot[] => events.flatMap((e) => (e.name === 'slots.snapshot' ? [e.payload] : []));
  let dir: string;

  afterAll(async () => {
    await session.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('builds the workspace and reports errors at their line', async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'kshram-session-')), 'lab');
    await session.createWorkspace(dir, 'reference');
    expect((await session.build()).diagnostics).toEqual([]);

    const source = (await session.readFile('kshram.c')).content;
    const broken = source.replace('return KSHRAM_SLOTS;', 'return KSHRAM_SLOTS');
    await session.saveFile('kshram.c', broken);
    const line = broken.slice(0, broken.indexOf('return KSHRAM_SLOTS\n')).split('\n').length;
    const failed = await session.build();
    expect(failed.ok).toBe(false);
    const error = failed.diagnostics.find((d) => d.severity === 'error')!;
    expect(error).toMatchObject({ file: 'kshram.c', message: expect.stringContaining("expected ';'") });
    expect([line, line + 1]).toContain(error.line);
    await session.saveFile('kshram.c', source);
  });

  it('boots, loads kshram.ko, refreshes the slots through the agent and passes the console through', async () => {
    const status = await session.boot({ cols: 100, rows: 30, loadModule: true });
    expect(status).toMatchObject({ phase: 'running' });
    await until('kshram.ko loaded', () => statuses().some((s) => s.moduleLoaded));
    await until('a shell prompt', () => /kshram:\/root# /.test(console));
    const first = await until('a snapshot of 8 slots', () => snapshots().find((s) => s.loaded && s.slots.length === 8));
    expect(first.slots.map((s) => s.size)).toEqual(Array(8).fill(4096));
    // nothing typed yet: sizes from /proc/kshram, no slot mapped
    expect(first.slots.every((s) => s.hex === undefined)).toBe(true);

    session.consoleInput('cat /proc/kshram\r');
    await until('8 lines of /proc/kshram', () => /07: 4096/.test(console));
    expect(console.replace(/\r/g, '')).toMatch(/00: 4096\n01: 4096\n02: 4096\n03: 4096\n04: 4096\n05: 4096\n06: 4096\n07: 4096/);
    // the command finished: the view refreshes by itself, and now maps the slots
    const mapped = await until('a refresh with the first bytes', () => snapshots().find((s) => s.slots.some((slot) => slot.hex !== undefined)), GUEST_MS);
    expect(mapped.slots.map((s) => s.hex)).toEqual(Array(8).fill('00'.repeat(32)));
  });

  it('does not map slots while a program the student started still runs', async () => {
    const before = snapshots().length;
    // a program that outlives the refresh after its command line (on a loaded host that refresh can come after a 3 s sleep ended)
    session.consoleInput(`sleep ${BUSY_SECONDS}; echo slept-$((1 + 1))\r`);
    const busy = await until('a refresh that found the console busy', () => snapshots().slice(before).find((s) => s.consoleBusy), GUEST_MS);
    expect(busy.slots.every((s) => s.hex === undefined)).toBe(true);
    await until('the program to end', () => /slept-2/.test(console), BUSY_SECONDS * 1000 + GUEST_MS);
    await until('a mapped refresh after it ended', () => snapshots().slice(before).find((s) => !s.consoleBusy && s.slots[0]?.hex !== undefined), GUEST_MS);
  });

  it("tells the guest's tty the terminal's size, through the agent", async () => {
    session.consoleResize(77, 19);
    // the size reaches the tty through the agent a moment later: ask until it is there
    await until(
      'the guest tty to take 19 rows and 77 columns',
      async () => {
        const mark = console.length;
        session.consoleInput('stty size\r');
        return (await until('stty size', () => /^(\d+ \d+)\r?$/m.exec(console.slice(mark))?.[1], GUEST_MS)) === '19 77';
      },
      2 * GUEST_MS,
    );
  });

  it('pauses a flood of output until the terminal catches up', async () => {
    const mark = console.length;
    // the marker is computed by the shell, so the echoed command line does not contain it
    session.consoleInput('yes kshram-flood | head -c 1000000; echo flood-$((40 + 2))\r');
    await until('the console to pause', () => session.flow.isPaused, 30_000);
    const pausedAt = console.length;
    await new Promise((r) => setTimeout(r, 1_000));
    // paused: only what was already batched trickles in
    expect(console.length - pausedAt).toBeLessThan(50_000);
    expect(console.slice(mark)).not.toContain('flood-42');
    const acker = setInterval(() => session.consoleAck(session.flow.outstanding), 20);
    try {
      await until('the flood to end', () => console.slice(mark).includes('flood-42'), 60_000);
    } finally {
      clearInterval(acker);
    }
  });

  it('shows a kernel crash with its report', async () => {
    session.consoleInput('echo c > /proc/sysrq-trigger\r');
    const crashed = await until('a crash', () => statuses().find((s) => s.phase === 'crashed' && s.crash), 30_000);
    expect(crashed.crash!.summary).toMatch(/Kernel panic.*sysrq triggered crash/);
    await session.stop();
    expect(statuses().at(-1)).toMatchObject({ phase: 'stopped' });
  });
});
