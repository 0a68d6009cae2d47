import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { arch } from 'node:os';
import { join } from 'node:path';
import { LabError } from '../errors.js';
import { buildTreePlace, type Kit } from '../kit/kit.js';
import { cacheDir, projectRoot } from '../paths.js';
import { run, type RunResult } from '../process.js';
import { SANDBOX_CPU_SECONDS, SANDBOX_FILE_BYTES } from './sandbox.js';
import type { ExecOptions, Toolchain } from './toolchain.js';

/** The docker command; KSHRAM_LAB_DOCKER names another (podman, a full path). */
export const dockerBinary = (): string => process.env.KSHRAM_LAB_DOCKER || 'docker';
export const dockerResourcesDir = join(projectRoot, 'resources', 'docker');

/** Debian bookworm made by debootstrap + docker import (Docker Hub may be unreachable). */
export const BASE_IMAGE = 'kshram-lab/bookworm-base';
/** The image ours is built FROM; KSHRAM_LAB_DOCKER_BASE names an existing one (e.g. debian:bookworm) instead of making it. */
const baseImage = (): string => process.env.KSHRAM_LAB_DOCKER_BASE || BASE_IMAGE;
const IMAGE_REPO = 'kshram-lab/toolchain';
/** `docker version` answers at once when the daemon runs; longer means it does not. */
const DOCKER_PROBE_TIMEOUT_MS = 20_000;
/** debootstrap of a minimal bookworm takes 30-50 s; slow mirrors take longer. */
const BASE_IMAGE_TIMEOUT_MS = 15 * 60_000;
/** apt installs gcc and the headers in about a minute. */
const IMAGE_BUILD_TIMEOUT_MS = 15 * 60_000;
/** Removing a stuck container after a build timed out. */
const CONTAINER_REMOVE_TIMEOUT_MS = 30_000;
/** `docker run` itself failed (bad image, daemon error), not the command in it. */
const DOCKER_RUN_FAILED = 125;
/** A container's memory: make and a few cc1 at once, each bounded like the native sandbox's 1 GiB. */
const CONTAINER_MEMORY_BYTES = 2 * 1024 * 1024 * 1024;
/** make, gcc and its helpers need a few dozen processes; a fork loop does not get more. */
const CONTAINER_PIDS = 256;
/** Lines of a failed image build shown in the error; the whole log goes to a file. */
const BUILD_LOG_TAIL_LINES = 15;

export type ProgressListener = (line: string) => void;

const unavailable = (message: string, suggestion: string): LabError => new LabError('DOCKER_UNAVAILABLE', message, suggestion);

/** Checks that docker is installed and its daemon answers; returns the server version. */
export async function checkDocker(): Promise<string> {
  let result: RunResult;
  try {
    result = await run(dockerBinary(), ['version', '--format', '{{.Server.Version}}'], { timeoutMs: DOCKER_PROBE_TIMEOUT_MS });
  } catch {
    throw unavailable(`Docker is not installed (no "${dockerBinary()}" command).`, 'Install Docker (Debian/Ubuntu: apt-get install docker.io; macOS/Windows: Docker Desktop), or build natively with --toolchain native.');
  }
  const said = result.output.trim();
  if (result.code === 0 && said) return said.split('\n').pop()!.trim();
  if (/permission denied/i.test(said)) {
    throw unavailable(`Docker is installed but this user may not use its daemon:\n${lastLines(said, 3)}`, 'Add yourself to the docker group (sudo usermod -aG docker $USER, then log in again), or run as root.');
  }
  if (result.timedOut || /cannot connect|daemon running|no such file|connection refused|error during connect/i.test(said)) {
    throw unavailable(`The Docker daemon is not running${said ? `:\n${lastLines(said, 3)}` : '.'}`, 'Start it: npm run setup starts dockerd on Linux (or: systemctl start docker); on macOS/Windows start Docker Desktop.');
  }
  throw unavailable(`docker does not work here:\n${lastLines(said, 5)}`, 'Check your Docker installation with: docker version');
}

/** What an image holds beyond the shared tools: a headers package (apt's "PKG/SUITE"), or none. */
export interface ImageSpec {
  headers: string;
  /** Readable part of the tag: the kernel release, or "mounted" for kits that bring their build directory. */
  flavour: string;
}

/** The image of kits whose module build directory is mounted (imported kits); also runs kit recipes. */
export const MOUNTED_IMAGE: ImageSpec = { headers: '', flavour: 'mounted' };

/**
 * The toolchain image of a kit: Debian's headers package baked in for
 * Debian kits, none for imported kits (their build directory is mounted).
 */
export function imageSpec(kit: Kit): ImageSpec {
  const headers = headersArgument(kit);
  return headers ? { headers, flavour: kit.kernelRelease.replace(/[^a-zA-Z0-9_.-]/g, '_') } : MOUNTED_IMAGE;
}

/** The tag carries a hash of the recipe and base, so a changed Dockerfile rebuilds. */
export async function imageTag(spec: ImageSpec): Promise<string> {
  const hash = createHash('sha256').update(baseImage());
  for (const file of ['Dockerfile', 'install-toolchain.sh', 'install-headers.sh']) hash.update(await readFile(join(dockerResourcesDir, file)));
  hash.update(spec.headers);
  return `${IMAGE_REPO}:${spec.flavour}-${hash.digest('hex').slice(0, 12)}`;
}

/**
 * The headers package the image must install: none for a kit with its
 * build tree inside (it is mounted); kits installed before kit.json
 * recorded the package are recognised by path.
 */
function headersPackage(kit: Kit): string | undefined {
  if (buildTreePlace(kit) === 'kit') return undefined;
  return kit.headersPackage ?? /^\/usr\/src\/(linux-headers-[^/]+)$/.exec(kit.buildDirPath)?.[1];
}

function headersArgument(kit: Kit): string {
  const pkg = headersPackage(kit);
  if (!pkg) return '';
  return kit.aptSuite && kit.aptSuite !== 'default' ? `${pkg}/${kit.aptSuite}` : pkg;
}

/**
 * Deletes the toolchain images made for this kit alone (its headers baked
 * in, tagged with its kernel release); returns their tags. Nothing when
 * docker is absent or its daemon is down: then there are none to delete.
 */
export async function removeKitImages(kit: Kit): Promise<string[]> {
  const flavour = imageSpec(kit).flavour;
  if (flavour === MOUNTED_IMAGE.flavour) return [];
  const listed = await run(dockerBinary(), ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}', IMAGE_REPO], { timeoutMs: DOCKER_PROBE_TIMEOUT_MS }).catch(() => undefined);
  if (!listed || listed.code !== 0) return [];
  const tags = listed.output.split('\n').map((line) => line.trim()).filter((tag) => tag.startsWith(`${IMAGE_REPO}:${flavour}-`));
  if (tags.length) await run(dockerBinary(), ['image', 'rm', ...tags], { timeoutMs: DOCKER_PROBE_TIMEOUT_MS });
  return tags;
}

async function imageId(tag: string): Promise<string | undefined> {
  const result = await run(dockerBinary(), ['image', 'inspect', '--format', '{{.Id}}', tag], { timeoutMs: DOCKER_PROBE_TIMEOUT_MS });
  return result.code === 0 ? result.output.trim() : undefined;
}

const pending = new Map<string, Promise<string>>();

/**
 * Makes sure the kit's toolchain image exists, building the base and the
 * image when missing (a minute or two, once); returns the image id.
 * Concurrent callers in this process share one build.
 */
export function ensureToolchainImage(kit: Kit, onProgress: ProgressListener = () => {}): Promise<string> {
  return ensureImage(imageSpec(kit), onProgress);
}

/** ensureToolchainImage for an image spec. */
export function ensureImage(spec: ImageSpec, onProgress: ProgressListener = () => {}): Promise<string> {
  const key = JSON.stringify(spec);
  let job = pending.get(key);
  if (!job) {
    job = buildImage(spec, onProgress).finally(() => pending.delete(key));
    pending.set(key, job);
  }
  return job;
}

async function buildImage(spec: ImageSpec, onProgress: ProgressListener): Promise<string> {
  await checkDocker();
  const tag = await imageTag(spec);
  const existing = await imageId(tag);
  if (existing) return existing;

  const base = baseImage();
  if (base === BASE_IMAGE && !(await imageId(BASE_IMAGE))) {
    onProgress(`docker: making the base image ${BASE_IMAGE} (debootstrap, about a minute, once)`);
    const made = await run('bash', [join(dockerResourcesDir, 'base-image.sh'), BASE_IMAGE], {
      timeoutMs: BASE_IMAGE_TIMEOUT_MS,
      env: { ...process.env, KSHRAM_LAB_DOCKER: dockerBinary() },
      onOutput: lines(onProgress),
    });
    if (made.code !== 0) throw await imageFailure(`the base image ${BASE_IMAGE}`, made, 'base');
  }

  onProgress(`docker: building ${tag} (gcc, make${spec.headers ? `, ${spec.headers}` : ''}; about a minute, once)`);
  const build = await run(dockerBinary(), ['build', '--force-rm', '--network', 'host', '--build-arg', `BASE=${base}`, '--build-arg', `HEADERS=${spec.headers}`, '-t', tag, dockerResourcesDir], {
    timeoutMs: IMAGE_BUILD_TIMEOUT_MS,
    // the classic builder: BuildKit needs the buildx plugin, which distribution packages often lack
    env: { ...process.env, DOCKER_BUILDKIT: '0' },
    onOutput: lines((line) => /^Step \d+\/\d+|^Successfully|^E: |error/i.test(line) && onProgress(`docker: ${line}`)),
  });
  const id = build.code === 0 ? await imageId(tag) : undefined;
  if (!id) throw await imageFailure(`the toolchain image ${tag}`, build, 'toolchain');
  onProgress(`docker: ${tag} ready`);
  return id;
}

async function imageFailure(what: string, result: RunResult, logName: string): Promise<LabError> {
  const logPath = join(cacheDir(), 'docker', `${logName}-build.log`);
  await mkdir(join(cacheDir(), 'docker'), { recursive: true });
  await writeFile(logPath, result.output);
  const why = result.timedOut ? 'it took too long and was stopped' : `exit status ${result.code}`;
  return unavailable(`Building ${what} failed (${why}):\n${lastLines(result.output, BUILD_LOG_TAIL_LINES)}`, `The whole log is in ${logPath}. The build needs the Debian mirror (deb.debian.org); check the network and retry.`);
}

/** Splits streamed output into lines for a progress listener. */
function lines(listener: ProgressListener): (text: string) => void {
  let partial = '';
  return (text) => {
    const parts = (partial + text).split(/\r?\n/);
    partial = parts.pop()!;
    for (const part of parts) if (part.trim()) listener(part.trimEnd());
  };
}

function lastLines(text: string, n: number): string {
  return text.replace(/\r/g, '').trimEnd().split('\n').slice(-n).join('\n');
}

/**
 * Compiles in a container of the kit's toolchain image: no network, the
 * directories a command needs mounted at the same absolute paths (so
 * paths in diagnostics need no translation), and files written as the
 * invoking user. On a non-x86_64 host the image cross-compiles.
 */
export class DockerToolchain implements Toolchain {
  readonly name = 'docker';
  private id: string | undefined;

  constructor(
    private readonly kit: Kit,
    private readonly onProgress: ProgressListener = () => {},
  ) {}

  /** Builds the image now (with progress) instead of at the first compile. */
  async prepare(): Promise<string> {
    this.id ??= await ensureToolchainImage(this.kit, this.onProgress);
    return this.id;
  }

  async identity(): Promise<string> {
    return `docker ${await this.prepare()}`;
  }

  async exec(command: readonly string[], options: ExecOptions): Promise<RunResult> {
    const image = await this.prepare();
    const name = `kshram-lab-build-${randomBytes(6).toString('hex')}`;
    const env: Record<string, string> = { LC_ALL: 'C', LANG: 'C', HOME: '/tmp', ...crossEnvironment(), ...options.env };
    const args = [
      'run', '--rm', '--name', name,
      '--network', 'none',
      ...userArguments(),
      ...resourceLimits(),
      ...this.mounts(options).flatMap((dir) => ['-v', `${dir}:${dir}:ro`]),
      ...options.writable.filter((dir) => existsSync(dir)).flatMap((dir) => ['-v', `${dir}:${dir}`]),
      '-w', options.cwd,
      ...Object.entries(env).flatMap(([key, value]) => ['-e', `${key}=${value}`]),
      image,
      ...command,
    ];
    const result = await run(dockerBinary(), args, { timeoutMs: options.timeoutMs });
    if (result.timedOut) {
      // killing the client leaves the container running
      await run(dockerBinary(), ['rm', '-f', name], { timeoutMs: CONTAINER_REMOVE_TIMEOUT_MS }).catch(() => undefined);
    } else if (result.code === DOCKER_RUN_FAILED) {
      throw unavailable(`docker could not start the build container:\n${lastLines(result.output, 5)}`, 'Check the daemon (docker version) and that the folders are shared with Docker (Docker Desktop: Settings > Resources > File sharing).');
    }
    return result;
  }

  /** What to mount read-only: the command's inputs, except what the image itself holds. */
  private mounts(options: ExecOptions): string[] {
    const inImage = headersPackage(this.kit) ? [this.kit.buildDirPath, this.kit.dir] : [];
    const wanted = options.mounts.filter((dir) => !inImage.includes(dir) && !options.writable.includes(dir) && existsSync(dir));
    return [...new Set(wanted)];
  }
}

/** The same bounds as the native sandbox (sandbox.ts): CPU seconds and file size per process, memory and processes per container. */
function resourceLimits(): string[] {
  return [
    '--memory', String(CONTAINER_MEMORY_BYTES),
    '--pids-limit', String(CONTAINER_PIDS),
    '--ulimit', `cpu=${SANDBOX_CPU_SECONDS}`,
    '--ulimit', `fsize=${SANDBOX_FILE_BYTES}`,
    '--cap-drop', 'ALL',
    '--security-opt', 'no-new-privileges',
  ];
}

/** Files in mounted folders belong to the user, not to root. */
function userArguments(): string[] {
  const uid = process.getuid?.();
  const gid = process.getgid?.();
  return uid === undefined || gid === undefined ? [] : ['--user', `${uid}:${gid}`];
}

/** kbuild's cross-compilation switches when the host (and the container) is not x86_64. */
function crossEnvironment(): Record<string, string> {
  return arch() === 'x64' ? {} : { ARCH: 'x86_64', CROSS_COMPILE: 'x86_64-linux-gnu-' };
}
