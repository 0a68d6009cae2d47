import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ApiEvent, DebugStack, DebugState, SlotsSnapshot, VmStatus } from '../api/contract.js';
import { LabSession } from '../session/session.js';
import { until } from '../../test/until.js';

/** PIDs of processes whose command line holds `text`, children of this test process only. */
function ourProcesses(text: string): number[] {
  let out = '';
  try {
    out = execFileSync('pgrep', ['-P', String(process.pid), '-f', text], { encoding: 'utf8' });
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
  return out.split('\n').filter(Boolean).map(Number);
}

/** Longer than twice watchdog_thresh: a guest that counted this time would report a soft lockup. */
const HELD_MS = 12_000;

/**
 * The kernel frames of a stop in the module, named from the kit's
 * System.map: gdb unwinds to `caller` (kshram.ko's DWARF says where the
 * module returns to), the rest is found by scanning the stack ("? "), up
 * to the syscall entry. Stale words gdb's unwinding would have misread
 * are left out: every name is a function of the syscall's path.
 */
function expectSyscallPath(stack: DebugStack, caller: string): void {
  expect(stack.kernelSymbols).toBe(true);
  const kernel = stack.frames.filter((f) => f.origin === 'kernel');
  expect(kernel[0]).toMatchObject({ function: caller, offset: expect.stringMatching(/^0x[0-9a-f]+$/), address: expect.stringMatching(/^0xffffffff8/) });
  expect(kernel[0]!.scanned).toBeUndefined();
  const names = kernel.map((f) => f.function);
  expect(names.indexOf('do_syscall_64')).toBeGreaterThan(0);
  expect(names.at(-1)).toBe('entry_SYSCALL_64_after_hwframe');
  expect(kernel.slice(1).every((f) => f.scanned && f.offset)).toBe(true);
  expect(stack.frames.slice(stack.frames.indexOf(kernel[0]!)).every((f) => f.origin === 'kernel')).toBe(true);
  expect(stack.cut).toBe(false);
}

/** The line of kshram.c that holds `text`. */
const lineOf = (source: string, text: string): number => source.slice(0, source.indexOf(text)).split('\n').length;

describe('a debug boot: gdb on QEMU\'s gdbstub, driven like the workbench does', () => {
  const session = new LabSession();
  const events: ApiEvent[] = [];
  session.onEvent((e) => events.push(e));
  let guestConsole = '';
  let gdbConsole = '';
  session.onEvent((e) => {
    if (e.name === 'console.data') guestConsole += e.payload.data;
    if (e.name === 'debug.console') gdbConsole += e.payload.data;
  });
  const debugStates = (): DebugState[] => events.flatMap((e) => (e.name === 'debug.state' ? [e.payload] : []));
  const lastDebug = (): DebugState | undefined => debugStates().at(-1);
  const statuses = (): VmStatus[] => events.flatMap((e) => (e.name === 'vm.state' ? [e.payload] : []));
  const snapshots = (): SlotsSnapshot[] => events.flatMap((e) => (e.name === 'slots.snapshot' ? [e.payload] : []));
  let dir: string;
  let source = '';

  afterAll(async () => {
    await session.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('stops check_msg at a breakpoint in kshram_ioctl set before the module was loaded, steps, and lets it finish', async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'kshram-debug-')), 'lab');
    await session.createWorkspace(dir, 'reference');
    source = (await session.readFile('kshram.c')).content;
    const line = lineOf(source, 'struct kshram_slot *slot = file->private_data;\n\n\tswitch (cmd)');

    // the student loads the module by hand: the breakpoint waits for it (pending)
    const status = await session.boot({ cols: 100, rows: 30, loadModule: false, debug: { wait: false, cols: 100, rows: 30 } });
    expect(status).toMatchObject({ phase: 'running', moduleLoaded: false });
    expect(lastDebug()).toMatchObject({ phase: 'running', symbolsLoaded: false });
    expect(lastDebug()!.port).toBeGreaterThan(0);
    // the gdbstub listens on the loopback only
    expect(execFileSync('ss', ['-ltnH'], { encoding: 'utf8' })).toContain(`127.0.0.1:${lastDebug()!.port}`);
    expect(execFileSync('ss', ['-ltnH'], { encoding: 'utf8' })).not.toMatch(new RegExp(`(0\\.0\\.0\\.0|\\*|\\[::\\]):${lastDebug()!.port}\\b`));

    const set = await session.debugToggleBreakpoint('kshram.c', line);
    expect(set.debug!.breakpoints).toEqual([{ id: expect.any(Number), file: 'kshram.c', line, pending: true }]);

    await until('a shell prompt', () => /kshram:\/root# /.test(guestConsole));
    session.consoleInput('insmod /lib/kshram/kshram.ko\r');
    // first before its init (a breakpoint waits), then from sysfs once it is live
    const loaded = await until('symbols at the module\'s addresses', () => debugStates().find((s) => s.symbolsLoaded && /symbols loaded at/.test(s.message)));
    expect(loaded.message).toMatch(/kshram\.ko symbols loaded at \.text 0xffffffffc0/);
    await until('the breakpoint resolved', () => lastDebug()!.breakpoints.some((b) => b.line === line && !b.pending));

    session.consoleInput('check_msg\r');
    const stopped = await until('the guest stopped at the breakpoint', () => (lastDebug()!.phase === 'stopped' ? lastDebug() : undefined));
    expect(stopped.stop).toMatchObject({ file: 'kshram.c', line, function: 'kshram_ioctl', reason: 'breakpoint hit' });
    expect(gdbConsole).toMatch(/\(gdb\) /);
    await until('gdb\'s console shows the stop', () => /hit Breakpoint \d+, .*kshram_ioctl/s.test(gdbConsole));
    // the slot view does not call the frozen agent, and nothing reports a crash or a hang
    await expect(session.slotsSnapshot()).rejects.toMatchObject({ message: expect.stringMatching(/stopped in gdb/) });

    // held longer than the soft-lockup watchdog's 8 s (watchdog_thresh=4): the guest's clocks stand still with it
    await new Promise((r) => setTimeout(r, HELD_MS));
    expect(lastDebug()!.phase).toBe('stopped');

    // the panels' view, through gdb's MI: the stack, then the frame's arguments and locals
    const stack = await until('the stack listed', () => lastDebug()!.stop?.stack);
    expect(stack.frames[0]).toMatchObject({ level: 0, function: 'kshram_ioctl', file: 'kshram.c', line, origin: 'module' });
    expectSyscallPath(stack, '__x64_sys_ioctl');
    const gdb = session.gdb();
    const atBreak = await gdb.variables(0);
    expect(atBreak.map((v) => [v.name, !!v.argument])).toEqual([['file', true], ['cmd', true], ['arg', true], ['slot', false]]);
    expect(atBreak.find((v) => v.name === 'cmd')).toMatchObject({ type: 'unsigned int', value: expect.stringMatching(/^\d+$/) });
    expect(atBreak.some((v) => v.changed)).toBe(false);
    expect(await gdb.evaluate(0, 'cmd >> 8')).toMatchObject({ value: String('K'.charCodeAt(0)) });
    expect((await gdb.watch(0, ['arg', 'no_such_name']))[1]).toMatchObject({ error: expect.stringMatching(/No symbol/) });

    await session.debugControl('next');
    const stepped = await until('a step to the next line', () => (lastDebug()!.phase === 'stopped' && lastDebug()!.stop?.line !== line ? lastDebug() : undefined));
    expect(stepped.stop).toMatchObject({ file: 'kshram.c', function: 'kshram_ioctl', reason: 'end stepping range' });
    expect(stepped.stop!.line).toBeGreaterThan(line);
    // the line assigned slot: gdb's -var-update says it changed, and it points at a kshram_slot
    await until('the stack after the step', () => lastDebug()!.stop?.stack);
    const afterNext = await gdb.variables(0);
    const slot = afterNext.find((v) => v.name === 'slot')!;
    expect(slot).toMatchObject({ changed: true, type: 'struct kshram_slot *', value: expect.stringMatching(/^0xffffffff/), ref: expect.any(String) });
    expect(afterNext.find((v) => v.name === 'cmd')!.changed).toBeUndefined();
    const fields = await gdb.children(slot.ref!);
    expect(fields.map((f) => f.name)).toEqual(['lock', 'buf', 'size', 'mappings']);
    const size = Number(fields.find((f) => f.name === 'size')!.value);
    const buf = fields.find((f) => f.name === 'buf')!;
    expect(buf.bytes).toEqual({ address: buf.value, length: Math.min(size, 64) });
    const bytes = await gdb.memory(buf.bytes!.address, buf.bytes!.length);
    expect(bytes.hex).toMatch(new RegExp(`^[0-9a-f]{${2 * buf.bytes!.length}}$`));
    // gdb prints a step's end only to the UI that asked: its console gets a line saying where
    await until('the step\'s end in gdb\'s console', () => new RegExp(`stopped \\(end stepping range\\) at kshram\\.c:${stepped.stop!.line} in kshram_ioctl`).test(gdbConsole));

    // Continue until check_msg is done (it calls the ioctl more than once)
    const deadline = Date.now() + 60_000;
    while (!/PASSED/.test(guestConsole) && Date.now() < deadline) {
      if (lastDebug()!.phase === 'stopped') await session.debugControl('continue');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(guestConsole).toMatch(/PASSED/);
    expect(guestConsole).not.toMatch(/Oops|BUG:|soft lockup|rcu.*stall/i);
    expect(statuses().some((s) => s.phase === 'crashed')).toBe(false);
    expect(snapshots().every((s) => !s.error || /debug boot/.test(s.error))).toBe(true);
  }, 240_000);

  it('clears a breakpoint from the gutter, and re-adds symbols after the module is reloaded', async () => {
    const bp = lastDebug()!.breakpoints[0]!;
    const cleared = await session.debugToggleBreakpoint('kshram.c', bp.line!);
    expect(cleared).toMatchObject({ breakpoints: [], debug: { breakpoints: [] } });
    const before = debugStates().filter((s) => s.symbolsLoaded && /symbols loaded/.test(s.message)).length;
    session.consoleInput('rmmod kshram\r');
    await until('symbols dropped', () => !lastDebug()!.symbolsLoaded);
    session.consoleInput('insmod /lib/kshram/kshram.ko\r');
    await until('symbols loaded again', () => debugStates().filter((s) => s.symbolsLoaded && /symbols loaded/.test(s.message)).length > before);
    expect(lastDebug()!.phase).toBe('running');
  }, 120_000);

  it('--wait stops at the first instruction until Continue; Stop leaves neither QEMU nor gdb running', async () => {
    await session.stop();
    const booting = session.boot({ cols: 100, rows: 30, loadModule: true, debug: { wait: true, cols: 100, rows: 30 } });
    const waiting = await until('the guest waiting at its first instruction', () => (lastDebug()?.phase === 'stopped' && /first instruction/.test(lastDebug()!.message) ? lastDebug() : undefined));
    expect(waiting.stop?.reason).toMatch(/--wait/);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(statuses().at(-1)!.phase).toBe('booting');
    expect(ourProcesses('qemu-system')).toHaveLength(1);
    expect(ourProcesses('gdb -q -nx')).toHaveLength(1);

    await session.debugControl('continue');
    expect(await booting).toMatchObject({ phase: 'running' });
    await until('kshram.ko loaded and its symbols in gdb', () => statuses().at(-1)!.moduleLoaded && lastDebug()!.symbolsLoaded);

    await session.stop();
    expect(lastDebug()!.phase).toBe('ended');
    await until('QEMU and gdb gone', () => ourProcesses('qemu-system').length === 0 && ourProcesses('gdb -q -nx').length === 0 && ourProcesses('sleep 2147483647').length === 0, 10_000);
  }, 180_000);

  it('keeps a breakpoint set with no VM for the workspace; Debug sets it before the guest runs, so Boot\'s own insmod stops in kshram_init', async () => {
    const initLine = lineOf(source, 'ret = alloc_chrdev_region(');
    // no VM: the click is kept (the gutter shows it hollow), nothing else happens
    expect(await session.debugToggleBreakpoint('kshram.c', initLine)).toEqual({ breakpoints: [{ file: 'kshram.c', line: initLine }] });
    expect(events.filter((e) => e.name === 'debug.breakpoints').at(-1)!.payload).toEqual({ breakpoints: [{ file: 'kshram.c', line: initLine }] });
    // kept in the user's state folder, not in the workspace: another session on the folder has it
    const other = new LabSession();
    try {
      await other.openWorkspace(dir);
      expect((await other.state()).breakpoints).toEqual([{ file: 'kshram.c', line: initLine }]);
    } finally {
      await other.dispose();
    }

    const before = debugStates().length;
    const booting = session.boot({ cols: 100, rows: 30, loadModule: true, debug: { wait: false, cols: 100, rows: 30 } });
    const stopped = await until('the boot\'s insmod stopped in kshram_init', () => (lastDebug()?.phase === 'stopped' && debugStates().length > before ? lastDebug() : undefined));
    expect(stopped.stop).toMatchObject({ file: 'kshram.c', line: initLine, function: 'kshram_init', reason: 'breakpoint hit' });
    await session.debugControl('continue');
    expect(await booting).toMatchObject({ phase: 'running', moduleLoaded: true });
    await session.stop();
    // the VM is gone, the breakpoint stays with the workspace
    expect((await session.state()).breakpoints).toEqual([{ file: 'kshram.c', line: initLine }]);
    expect((await session.debugToggleBreakpoint('kshram.c', initLine)).breakpoints).toEqual([]);
  }, 180_000);
});

/**
 * kshram_init runs once, inside insmod, from memory the kernel frees
 * afterwards: its breakpoint resolves only through the init hook (a hidden
 * breakpoint at do_init_module that loads the symbols with .init.text
 * before init runs). On both stock kits: their struct module differs.
 */
describe.each(['debian-6.1', 'debian-6.12'])('breakpoints in kshram_init (%s)', (kit) => {
  const session = new LabSession({ kit });
  const events: ApiEvent[] = [];
  session.onEvent((e) => events.push(e));
  let guestConsole = '';
  session.onEvent((e) => {
    if (e.name === 'console.data') guestConsole += e.payload.data;
  });
  const debugStates = (): DebugState[] => events.flatMap((e) => (e.name === 'debug.state' ? [e.payload] : []));
  const lastDebug = (): DebugState | undefined => debugStates().at(-1);
  let dir: string;

  afterAll(async () => {
    await session.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('insmod stops at a line of kshram_init set before it; Next steps within init; Continue lets insmod finish', async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'kshram-debug-init-')), 'lab');
    await session.createWorkspace(dir, 'reference');
    const source = (await session.readFile('kshram.c')).content;
    // a call that is not inlined: gdb reports a stop on an inlined call at the callee's first line
    const line = lineOf(source, 'ret = alloc_chrdev_region(');
    await session.boot({ cols: 100, rows: 30, loadModule: false, debug: { wait: false, cols: 100, rows: 30 } });
    const set = await session.debugToggleBreakpoint('kshram.c', line);
    expect(set.debug!.breakpoints).toEqual([{ id: expect.any(Number), file: 'kshram.c', line, pending: true }]);

    await until('a shell prompt', () => /kshram:\/root# /.test(guestConsole));
    const before = debugStates().length;
    session.consoleInput('insmod /lib/kshram/kshram.ko\r');
    const stopped = await until('insmod stopped in kshram_init', () => (lastDebug()!.phase === 'stopped' ? lastDebug() : undefined));
    expect(stopped.stop).toMatchObject({ file: 'kshram.c', line, function: 'kshram_init', reason: 'breakpoint hit' });
    // insmod's path into kshram_init, named from this kit's System.map
    const initStack = await until('the stack listed', () => lastDebug()!.stop?.stack);
    expectSyscallPath(initStack, 'do_one_initcall');
    expect(initStack.frames.map((f) => f.function)).toContain('do_init_module');
    // the hidden stop at do_init_module was never shown: the only stop is the student's
    // (one stop is published twice: at once, and again with its stack)
    expect(new Set(debugStates().slice(before).flatMap((s) => (s.phase === 'stopped' ? [s.stop?.seq] : [])))).toEqual(new Set([stopped.stop!.seq]));
    expect(debugStates().slice(before).some((s) => /symbols loaded before its init/.test(s.message))).toBe(true);
    expect(guestConsole).not.toMatch(/slots of \d+ bytes ready/);

    await session.debugControl('next');
    const stepped = await until('a step to the next line', () => (lastDebug()!.phase === 'stopped' && lastDebug()!.stop?.line !== line ? lastDebug() : undefined));
    expect(stepped.stop).toMatchObject({ file: 'kshram.c', function: 'kshram_init', reason: 'end stepping range' });
    expect(stepped.stop!.line).toBeGreaterThan(line);

    await session.debugControl('continue');
    await until('insmod finished', () => /slots of \d+ bytes ready/.test(guestConsole));
    guestConsole = '';
    session.consoleInput('cat /proc/kshram\r');
    await until('/proc/kshram lists the slots', () => /^00: \d+\r?$/m.test(guestConsole) && /kshram:\/root# /.test(guestConsole));
    // once init is over, the symbols come from sysfs again, without the freed .init.text
    await until('symbols reloaded from sysfs', () => /symbols loaded at \.text/.test(lastDebug()!.message));
    expect(lastDebug()!.phase).toBe('running');

    // and the next load stops there again
    guestConsole = '';
    session.consoleInput('rmmod kshram && insmod /lib/kshram/kshram.ko && echo RELOADED\r');
    const again = await until('the reload stopped in kshram_init', () => (lastDebug()!.phase === 'stopped' ? lastDebug() : undefined));
    expect(again.stop).toMatchObject({ file: 'kshram.c', line, function: 'kshram_init', reason: 'breakpoint hit' });
    await session.debugControl('continue');
    await until('insmod finished', () => /^RELOADED\r?$/m.test(guestConsole));
    expect(guestConsole).not.toMatch(/Oops|BUG:/);
  }, 240_000);

  it('a load with no breakpoint in kshram_init does not stop at all', async () => {
    const bp = lastDebug()!.breakpoints[0]!;
    expect((await session.debugToggleBreakpoint('kshram.c', bp.line!)).debug!.breakpoints).toEqual([]);
    session.consoleInput('rmmod kshram\r');
    await until('symbols dropped', () => !lastDebug()!.symbolsLoaded);
    const before = debugStates().length;
    guestConsole = '';
    session.consoleInput('insmod /lib/kshram/kshram.ko && echo LOADED\r');
    await until('insmod finished', () => /^LOADED\r?$/m.test(guestConsole));
    await until('symbols loaded from sysfs', () => lastDebug()!.symbolsLoaded);
    expect(debugStates().slice(before).some((s) => s.phase !== 'running')).toBe(false);
  }, 120_000);

  it('a stop in kshram_ioctl under check_msg lists the ioctl syscall\'s path by name', async () => {
    const source = (await session.readFile('kshram.c')).content;
    const line = lineOf(source, 'struct kshram_slot *slot = file->private_data;\n\n\tswitch (cmd)');
    await session.debugToggleBreakpoint('kshram.c', line);
    guestConsole = '';
    session.consoleInput('check_msg\r');
    const stopped = await until('check_msg stopped in kshram_ioctl', () => (lastDebug()!.phase === 'stopped' && lastDebug()!.stop?.stack ? lastDebug() : undefined));
    expect(stopped.stop).toMatchObject({ file: 'kshram.c', line, function: 'kshram_ioctl' });
    expectSyscallPath(stopped.stop!.stack!, '__x64_sys_ioctl');
    await session.debugToggleBreakpoint('kshram.c', line);
    await session.debugControl('continue');
    await until('check_msg finished', () => /PASSED/.test(guestConsole));
  }, 120_000);
});
