import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pty from 'node-pty';
import { LabError } from '../errors.js';
import { Emitter } from '../events.js';
import { trackChild, withParentDeathSignal } from '../process.js';
import { AgentClient } from '../agent/agent.js';
import type { Kit } from '../kit/kit.js';
import type { Accel } from './accel.js';
import { readCpuStates, type CpuState } from './cpu-state.js';
import { CrashDetector, type CrashReport } from './crash.js';
import { bootableKernel } from './pvh.js';
import type { BootProfile } from './profile.js';
import { QEMU_BINARY, qemuArgs, qemuMissing } from './qemu.js';
import { QmpClient } from './qmp.js';

const lastLines = (text: string): string => text.trim().split('\n').slice(-3).join('\n');

/**
 * QEMU creates the agent socket before the guest starts: milliseconds, or
 * seconds on a host busy with other VMs and builds. A QEMU that fails to
 * start exits, which ends the wait at once, so a generous limit costs
 * nothing when something is wrong.
 */
const SOCKET_WAIT_MS = 30_000;
const SOCKET_POLL_MS = 20;
/** Console text kept for evidence; the start and the last part matter. */
const CONSOLE_KEEP_CHARS = 512 * 1024;
const DEFAULT_COLS = 120;
const DEFAULT_ROWS = 32;

export type VmExitReason = 'stopped' | 'exited';

export interface VmExit {
  reason: VmExitReason;
  exitCode: number;
  signal?: number;
}

export interface VmOptions {
  kit: Kit;
  accel: Accel;
  initramfs: string;
  cols?: number;
  rows?: number;
  /** Checked, debug (QEMU's gdbstub), watchdog: see profile.ts. */
  profile: BootProfile;
  /**
   * Start from this saved state (QEMU's migration stream of a guest started
   * with the same arguments) instead of booting; start() returns once the
   * guest runs again. Throws SNAPSHOT_FAILED when QEMU cannot load it.
   */
  restoreFrom?: string;
}

/** How long QEMU may take to load a saved guest (0.2-0.3 s for 84 MB here; a busy host is slower). */
const RESTORE_TIMEOUT_MS = 30_000;
/** How often a load in progress is looked at. */
const RESTORE_POLL_MS = 10;
/** Saving a stopped guest's memory (84 MB) takes ~0.6 s here; a busy host is slower. */
const SAVE_TIMEOUT_MS = 60_000;
/** How often a save in progress is looked at. */
const SAVE_POLL_MS = 20;

/** A path as one word of /bin/sh, which QEMU's exec: migration runs. */
const shellWord = (path: string): string => `'${path.replace(/'/g, `'\\''`)}'`;

/**
 * One QEMU guest: its serial console through a pty (what the user sees and
 * types into), its agent on the second serial port, and crash detection on
 * the console stream. stop() leaves nothing running.
 */
export class Vm {
  private readonly dataEmitter = new Emitter<string>();
  private readonly crashEmitter = new Emitter<CrashReport>();
  /** Serial console output as it arrives. */
  readonly onConsoleData = this.dataEmitter.event;
  /** The first line of a kernel crash was seen; the report keeps growing. */
  readonly onCrash = this.crashEmitter.event;
  readonly crashes = new CrashDetector();
  readonly started = Date.now();
  private consoleText = '';
  /** Something was typed into the console (it would be in a snapshot saved now). */
  private consoleTyped = false;
  private stopping = false;
  private exitInfo: VmExit | undefined;
  private exited: Promise<VmExit>;
  /** Connected by start() before it returns; see `agent`. */
  private agentClient: AgentClient | undefined;

  private constructor(
    private readonly proc: pty.IPty,
    private readonly runDir: string,
    readonly accel: Accel,
    /** Booted, or restored from a saved guest. */
    readonly startedFrom: 'boot' | 'snapshot',
  ) {
    proc.onData((text) => {
      this.consoleText += text;
      if (this.consoleText.length > CONSOLE_KEEP_CHARS) this.consoleText = this.consoleText.slice(-CONSOLE_KEEP_CHARS);
      if (this.crashes.feed(text)) this.crashEmitter.fire(this.crashes.crash!);
      this.dataEmitter.fire(text);
    });
    this.exited = new Promise((resolve) => {
      proc.onExit(({ exitCode, signal }) => {
        this.exitInfo = { reason: this.stopping ? 'stopped' : 'exited', exitCode, signal };
        this.agentClient?.close();
        void rm(this.runDir, { recursive: true, force: true });
        resolve(this.exitInfo);
      });
    });
  }

  /** Starts QEMU and connects to the agent port; the guest is still booting when this returns. */
  static async start(options: VmOptions): Promise<Vm> {
    const runDir = await mkdtemp(join(tmpdir(), 'kshram-vm-'));
    const agentSocket = join(runDir, 'agent.sock');
    const qmpSocket = join(runDir, 'qmp.sock');
    const kernel = await bootableKernel(options.kit);
    const args = qemuArgs(options.kit, { accel: options.accel, initramfs: options.initramfs, agentSocket, qmpSocket, kernel, profile: options.profile });
    // the saved state is loaded once QEMU is up and listening (see load())
    if (options.restoreFrom) args.push('-incoming', 'defer');
    let proc: pty.IPty;
    try {
      // the kernel kills QEMU when we die, even by SIGKILL; our exit handlers kill it on every other way out
      const [command, commandArgs] = withParentDeathSignal(QEMU_BINARY, args);
      proc = pty.spawn(command, commandArgs, {
        name: 'xterm-256color',
        cols: options.cols ?? DEFAULT_COLS,
        rows: options.rows ?? DEFAULT_ROWS,
        cwd: runDir,
        env: process.env,
      });
    } catch {
      await rm(runDir, { recursive: true, force: true });
      throw qemuMissing();
    }
    const untrack = trackChild(proc.pid);
    proc.onExit(untrack);
    const vm = new Vm(proc, runDir, options.accel, options.restoreFrom ? 'snapshot' : 'boot');
    try {
      vm.agentClient = await vm.connectAgent(agentSocket);
      if (options.restoreFrom) await vm.load(options.restoreFrom);
    } catch (err) {
      await vm.stop();
      throw err;
    }
    return vm;
  }

  private async connectAgent(socketPath: string): Promise<AgentClient> {
    const deadline = Date.now() + SOCKET_WAIT_MS;
    while (Date.now() < deadline) {
      if (this.exitInfo) break;
      if (existsSync(socketPath)) {
        try {
          return await AgentClient.connect(socketPath);
        } catch {
          // QEMU created the file but is not listening yet
        }
      }
      await new Promise((r) => setTimeout(r, SOCKET_POLL_MS));
    }
    const said = this.consoleText.trim().split('\n').slice(-5).join('\n');
    if (/not found|No such file/.test(said) && !this.exitInfo?.exitCode) throw qemuMissing();
    throw new LabError('QEMU_FAILED', `QEMU did not start${said ? `:\n${said}` : '.'}`, 'Check the kit (kshram-lab kits) and that qemu-system-x86_64 runs on this host.');
  }

  /**
   * Loads a saved guest into this QEMU (started with -incoming defer) and
   * waits until it runs. Nothing is sent to the guest before: bytes QEMU
   * took in before the load would be overwritten by the saved serial port.
   */
  private async load(stateFile: string): Promise<void> {
    const failed = (why: string): LabError => new LabError('SNAPSHOT_FAILED', `QEMU could not restore the saved guest: ${why}`);
    let qmp: QmpClient;
    try {
      qmp = await QmpClient.connect(this.qmpSocket);
    } catch (err) {
      throw failed((err as Error).message);
    }
    try {
      await qmp.execute('migrate-incoming', { uri: `exec:cat ${shellWord(stateFile)}` });
      // the guest was stopped for its save, and a loaded guest stays as it was saved: paused
      const deadline = Date.now() + RESTORE_TIMEOUT_MS;
      for (;;) {
        if (this.exitInfo) throw failed(lastLines(this.consoleText) || `QEMU exited (status ${this.exitInfo.exitCode})`);
        const { status } = await qmp.execute<{ status: string }>('query-status');
        if (status === 'running') return;
        if (status === 'paused') {
          await qmp.execute('cont');
          return;
        }
        if (status !== 'inmigrate') throw failed(`QEMU is ${status}`);
        if (Date.now() > deadline) throw failed(`not loaded after ${RESTORE_TIMEOUT_MS / 1000} s`);
        await new Promise((r) => setTimeout(r, RESTORE_POLL_MS));
      }
    } catch (err) {
      throw err instanceof LabError && err.code === 'SNAPSHOT_FAILED' ? err : failed((err as Error).message);
    } finally {
      qmp.close();
    }
  }

  /**
   * Saves the guest as it is to `stateFile` (QEMU's migration stream),
   * stopped meanwhile so the state is one instant, then lets it run on.
   */
  async save(stateFile: string): Promise<void> {
    const qmp = await QmpClient.connect(this.qmpSocket);
    try {
      await qmp.execute('stop');
      try {
        await qmp.execute('migrate', { uri: `exec:cat > ${shellWord(stateFile)}` });
        const deadline = Date.now() + SAVE_TIMEOUT_MS;
        for (;;) {
          const info = await qmp.execute<{ status?: string; 'error-desc'?: string }>('query-migrate');
          if (info.status === 'completed') break;
          if (info.status === 'failed' || info.status === 'cancelled') throw new LabError('SNAPSHOT_FAILED', `QEMU could not save the guest: ${info['error-desc'] ?? info.status}`);
          if (Date.now() > deadline) {
            await qmp.execute('migrate_cancel').catch(() => undefined);
            throw new LabError('SNAPSHOT_FAILED', `QEMU did not save the guest within ${SAVE_TIMEOUT_MS / 1000} s`);
          }
          await new Promise((r) => setTimeout(r, SAVE_POLL_MS));
        }
      } finally {
        await qmp.execute('cont');
      }
    } finally {
      qmp.close();
    }
  }

  /** True once anything was typed into the console: a guest saved then would not be pristine. */
  get typedInto(): boolean {
    return this.consoleTyped;
  }

  /**
   * Console text the guest printed before it was saved, shown again by a
   * guest restored from that save (its console starts where the save was).
   */
  replayConsole(text: string): void {
    if (!text) return;
    this.consoleText += text;
    this.dataEmitter.fire(text);
  }

  private get qmpSocket(): string {
    return join(this.runDir, 'qmp.sock');
  }

  /** The guest's agent on the second serial port (start() connects it before returning the Vm). */
  get agent(): AgentClient {
    if (!this.agentClient) throw new LabError('INTERNAL', 'The VM has no agent connection yet.');
    return this.agentClient;
  }

  get running(): boolean {
    return !this.exitInfo;
  }

  get exit(): VmExit | undefined {
    return this.exitInfo;
  }

  /** Resolves when QEMU has exited, for whatever reason. */
  waitExit(): Promise<VmExit> {
    return this.exited;
  }

  /** Everything the console printed (the last CONSOLE_KEEP_CHARS of it). */
  get console(): string {
    return this.consoleText;
  }


  /** Where each vCPU is, from QEMU itself: answers when the guest cannot. */
  cpuStates(): Promise<CpuState[]> {
    if (!this.running) return Promise.reject(new LabError('VM_NOT_RUNNING', 'The VM is not running.'));
    return readCpuStates(this.qmpSocket);
  }

  /** Keystrokes for the guest's console. */
  write(data: string): void {
    if (!this.running) return;
    this.consoleTyped = true;
    this.proc.write(data);
  }

  resize(cols: number, rows: number): void {
    if (this.running) this.proc.resize(cols, rows);
  }

  pause(): void {
    if (this.running) this.proc.pause();
  }

  resume(): void {
    if (this.running) this.proc.resume();
  }

  /** Kills QEMU (there is nothing to shut down cleanly in a RAM-only guest). */
  async stop(): Promise<VmExit> {
    if (!this.exitInfo) {
      this.stopping = true;
      try {
        this.proc.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
    return this.exited;
  }
}
