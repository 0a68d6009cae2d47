import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LabError } from '../errors.js';
import { gradeSubmission } from '../grade/runner.js';
import { DEFAULT_KIT, loadKit, type Kit } from '../kit/kit.js';
import { moduleDir } from '../paths.js';
import { checkDocker, DockerToolchain } from './docker.js';
import { buildModule } from './module.js';
import { chooseToolchain } from './select.js';

let kit: Kit;
const savedEnv = { ...process.env };

beforeAll(async () => {
  kit = await loadKit(DEFAULT_KIT);
});

afterEach(() => {
  for (const key of ['KSHRAM_LAB_DOCKER', 'DOCKER_HOST', 'KSHRAM_LAB_DOCKER_BASE']) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
});

async function failure(promise: Promise<unknown>): Promise<LabError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(LabError);
  return error as LabError;
}

describe('docker toolchain: plain errors', () => {
  it('says when docker is not installed', async () => {
    process.env.KSHRAM_LAB_DOCKER = '/nonexistent/docker';
    const error = await failure(checkDocker());
    expect(error.code).toBe('DOCKER_UNAVAILABLE');
    expect(error.message).toBe('Docker is not installed (no "/nonexistent/docker" command).');
    expect(error.suggestion).toMatch(/apt-get install docker\.io.*Docker Desktop/);
  });

  it('says when the daemon is not running', async () => {
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    const error = await failure(new DockerToolchain(kit).exec(['true'], { cwd: tmpdir(), mounts: [], writable: [], timeoutMs: 30_000 }));
    expect(error.code).toBe('DOCKER_UNAVAILABLE');
    expect(error.message).toMatch(/^The Docker daemon is not running:\n.*Cannot connect to the Docker daemon/);
    expect(error.suggestion).toMatch(/npm run setup starts dockerd/);
  });

  it('says when the image does not build, with its log', async () => {
    process.env.KSHRAM_LAB_DOCKER_BASE = 'kshram-lab/no-such-base-image';
    const error = await failure(new DockerToolchain(kit).prepare());
    expect(error.code).toBe('DOCKER_UNAVAILABLE');
    expect(error.message).toMatch(/^Building the toolchain image kshram-lab\/toolchain:\S+ failed \(exit status \d+\):\n[^]*FROM/);
    const log = /The whole log is in (\S+)\./.exec(error.suggestion ?? '')?.[1];
    expect(log && existsSync(log)).toBe(true);
  });
});

describe('docker toolchain: building and grading', () => {
  it('is chosen when asked, and native is the automatic choice on x86_64 Linux with headers', () => {
    expect(chooseToolchain(kit, 'docker').name).toBe('docker');
    expect(chooseToolchain(kit).name).toBe(process.platform === 'linux' && process.arch === 'x64' ? 'native' : 'docker');
  });

  it('builds the module in a container, without network, files owned by the user', async () => {
    const toolchain = new DockerToolchain(kit);
    const offline = await toolchain.exec(['sh', '-c', 'cat /sys/class/net/*/operstate 2>/dev/null; ls /sys/class/net'], { cwd: tmpdir(), mounts: [], writable: [], timeoutMs: 60_000 });
    expect(offline.output.trim().split('\n').pop()).toBe('lo');

    const work = await mkdtemp(join(tmpdir(), 'kshram-docker-build-'));
    try {
      // kbuild itself in the container, not a replay of an earlier run's recorded commands
      const result = await buildModule({ dir: moduleDir, name: 'kshram' }, { kit, toolchain, workDir: join(work, 'kshram'), replay: false });
      expect(result.log).toContain('LD [M]');
      expect(result.ok).toBe(true);
      expect(result.diagnostics).toEqual([]);
      expect(statSync(result.koPath!).uid).toBe(process.getuid!());
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it('grades the reference module 100/100 with modules and checks built by docker', async () => {
    const report = await gradeSubmission(moduleDir, { toolchain: 'docker' });
    expect(report.toolchain).toBe('docker');
    expect(report.items.map((i) => i.status)).toEqual(Array(8).fill('pass'));
    expect(report.total).toBe(100);
  });
});
