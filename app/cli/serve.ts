import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import pc from 'picocolors';
import { LabError } from '../errors.js';
import { projectRoot } from '../paths.js';
import { DEFAULT_POW_BITS, MAX_POW_BITS } from '../service/pow.js';
import { serve } from '../service/serve.js';
import { handleError } from './errors.js';
import { kitOption } from './options.js';
import { defaultDataDir, parsePort, wholeNumber } from './service-options.js';

/** The course's own challenge server listens on 10548; ours does too unless told otherwise. */
const DEFAULT_NC_PORT = 10548;
const DEFAULT_HTTP_PORT = 8080;
/** `serve` grades with one worker per two cores: each TCG guest keeps about two busy (build and QEMU). */
const defaultWorkers = (): number => Math.max(1, Math.floor(availableParallelism() / 2));
/** Overrides the per-student rate limit as "SUBMISSIONS/SECONDS" (a bench, a course with other rules). */
const RATE_LIMIT_ENV = 'KSHRAM_LAB_RATE_LIMIT';
/** Overrides how many nc connections one address may hold at once (a class behind one NAT, a bench from one host). */
const NC_PER_ADDRESS_ENV = 'KSHRAM_LAB_NC_PER_ADDRESS';

interface ServeFlags {
  data: string;
  httpPort: number;
  ncPort: number;
  listen: string;
  redis?: string;
  workers?: number;
  powBits: number;
  kit?: string;
}

export function serveCommand(): Command {
  return new Command('serve')
    .description("the course's challenge server: the nc protocol, a web page and API, a queue on Redis, grading workers")
    .addOption(new Option('--data <dir>', 'where submissions, results, tokens (and the private Redis) are kept').default(defaultDataDir(), '$XDG_STATE_HOME/kshram-lab/service'))
    .addOption(new Option('--http-port <n>', 'HTTP port: the pages, the API, the live runs (0: any free port)').default(DEFAULT_HTTP_PORT).argParser(parsePort))
    .addOption(new Option('--nc-port <n>', "the course's nc protocol (0: any free port)").default(DEFAULT_NC_PORT).argParser(parsePort))
    .addOption(new Option('--listen <addr>', 'address to listen on (e.g. 0.0.0.0 for a course)').default('127.0.0.1'))
    .option('--redis <url>', 'a Redis to queue on (redis://HOST:PORT, rediss://, unix:///PATH); default: a private redis-server in the data folder')
    .addOption(new Option('--workers <n>', `grading workers run by this service (0: none, grade with kshram-lab worker elsewhere; default: one per two cores, ${defaultWorkers()} here)`).argParser(wholeNumber('--workers', 0, 256)))
    .addOption(new Option('--pow-bits <n>', "proof-of-work difficulty of the nc front, in zero bits of sha1 (the course's is 24)").default(DEFAULT_POW_BITS).argParser(wholeNumber('--pow-bits', 0, MAX_POW_BITS)))
    .addOption(kitOption())
    .action(async (flags: ServeFlags) => {
      try {
        const version = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
        const workers = flags.workers ?? defaultWorkers();
        const log = (line: string): void => void process.stderr.write(`${new Date().toISOString()} ${line}\n`);
        const running = await serve({
          dataDir: flags.data,
          listen: flags.listen,
          httpPort: flags.httpPort,
          ncPort: flags.ncPort,
          redisUrl: flags.redis,
          workers,
          powBits: flags.powBits,
          kit: flags.kit,
          version,
          rateLimit: rateLimitFromEnv(),
          ncPerAddress: ncPerAddressFromEnv(),
          log,
        });
        const info = running.service.info();
        process.stdout.write(`kshram lab service: ${pc.bold(running.httpUrl)} (students: /, TAs: /ta)\n`);
        if (running.ncPort !== undefined) process.stdout.write(`nc front: nc ${flags.listen} ${running.ncPort} (proof of work: ${flags.powBits} bits)\n`);
        process.stdout.write(`grading on ${info.kit} (Linux ${info.kernelRelease}) with ${workers} worker${workers === 1 ? '' : 's'} here; data in ${flags.data}\n`);
        let stopping = false;
        const stop = (): void => {
          if (stopping) return;
          stopping = true;
          log('stopping: running grades go back to the queue; nothing is lost');
          void running.close().finally(() => process.exit(0));
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      } catch (err) {
        handleError(err);
      }
    });
}

function ncPerAddressFromEnv(): number | undefined {
  const value = process.env[NC_PER_ADDRESS_ENV];
  if (!value) return undefined;
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) throw new LabError('BAD_ARGUMENT', `${NC_PER_ADDRESS_ENV}=${value} is not a number of connections.`, `e.g. ${NC_PER_ADDRESS_ENV}=400 for a class of 400 behind one NAT.`);
  return Number(value);
}

function rateLimitFromEnv(): { submissions: number; windowMs: number } | undefined {
  const value = process.env[RATE_LIMIT_ENV];
  if (!value) return undefined;
  const match = /^(\d+)\/(\d+)$/.exec(value.trim());
  if (!match) throw new LabError('BAD_ARGUMENT', `${RATE_LIMIT_ENV}=${value} is not SUBMISSIONS/SECONDS.`, `e.g. ${RATE_LIMIT_ENV}=20/3600: twenty submissions per student per hour.`);
  return { submissions: Number(match[1]), windowMs: Number(match[2]) * 1000 };
}
