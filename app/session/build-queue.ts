import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EDITOR_FILES, type BuildOutcome } from '../api/contract.js';
import { sourcesDigest } from '../api/sources-digest.js';
import { buildModule, type ModuleBuildResult } from '../build/module.js';
import { selectToolchain } from '../build/select.js';
import { toErrorData } from '../errors.js';
import { loadKit } from '../kit/kit.js';
import { moduleDir } from '../paths.js';
import { toBuildOutcome } from './convert.js';
import type { Emit } from './emit.js';

/** What a build is of: asked for when it starts, so a workspace or kit switch is honoured. */
export interface BuildTarget {
  workspaceDir(): string;
  kitName(): string;
  /**
   * A module was built (the running guest may take it). Resolves true when
   * the build's files were taken over: `dispose` removes them later.
   */
  onModule?(result: ModuleBuildResult, builtAt: number, kitName: string, dispose: () => Promise<void>): Promise<boolean>;
}

/**
 * The workspace's builds, one at a time: a build asked for while one runs
 * follows it (once, however often asked). Every outcome, also a boot's own
 * build, is the last build the UI shows.
 */
export class BuildQueue {
  private current: Promise<BuildOutcome> | undefined;
  private queued: Promise<BuildOutcome> | undefined;
  private lastOutcome: BuildOutcome | undefined;

  constructor(
    private readonly target: BuildTarget,
    private readonly emit: Emit,
  ) {}

  get running(): boolean {
    return !!this.current;
  }

  get last(): BuildOutcome | undefined {
    return this.lastOutcome;
  }

  build(): Promise<BuildOutcome> {
    if (this.queued) return this.queued;
    if (this.current) {
      this.queued = this.current
        .catch(() => undefined)
        .then(() => {
          this.queued = undefined;
          return this.start();
        });
      return this.queued;
    }
    return this.start();
  }

  /** A build made elsewhere (a boot's) is the last one now. */
  built(outcome: BuildOutcome): BuildOutcome {
    this.lastOutcome = outcome;
    this.emit('build.state', { running: false, result: outcome });
    return outcome;
  }

  /** Another workspace: its builds are not this one's. */
  forget(last?: BuildOutcome): void {
    this.lastOutcome = last;
  }

  private start(): Promise<BuildOutcome> {
    const running = this.run();
    this.current = running;
    const done = (): void => {
      if (this.current === running) this.current = undefined;
    };
    running.then(done, done);
    return running;
  }

  private async run(): Promise<BuildOutcome> {
    const dir = this.target.workspaceDir();
    this.emit('build.state', { running: true });
    const workDir = await mkdtemp(join(tmpdir(), 'kshram-build-'));
    const remove = (): Promise<void> => rm(workDir, { recursive: true, force: true });
    let kept = false;
    try {
      const kit = await loadKit(this.target.kitName());
      const toolchain = await selectToolchain(kit);
      const digest = await filesDigest(dir);
      const result = await buildModule({ dir, name: 'kshram', fallbackHeaders: [join(moduleDir, 'kshram.h')] }, { kit, toolchain, workDir: join(workDir, 'kshram') });
      const outcome = this.built({ ...toBuildOutcome(result, kit.name), sourcesDigest: digest });
      kept = (await this.target.onModule?.(result, outcome.finishedAt, kit.name, remove).catch(() => false)) ?? false;
      return outcome;
    } catch (err) {
      this.emit('build.state', { running: false, error: toErrorData(err) });
      throw err;
    } finally {
      if (!kept) await remove();
    }
  }
}

/** The digest of the workspace's files as the build reads them (a missing one counts as empty, as for a grade). */
async function filesDigest(dir: string): Promise<string> {
  const contents = new Map(await Promise.all(EDITOR_FILES.map(async (path) => [path, await readFile(join(dir, path), 'utf8').catch(() => '')] as const)));
  return sourcesDigest((path) => contents.get(path) ?? '');
}
