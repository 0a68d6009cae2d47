import { Command, Option } from 'commander';
import { startGradeWorker } from '../service/worker.js';
import { checkRedis, parseRedisUrl } from '../service/redis.js';
import { LabError } from '../errors.js';
import { handleError } from './errors.js';
import { wholeNumber } from './service-options.js';

export function workerCommand(): Command {
  return new Command('worker')
    .description('grade submissions from a course service\'s queue (run as many as you like, on any machine that reaches its Redis)')
    .requiredOption('--redis <url>', "the service's Redis (redis://HOST:PORT, rediss://, unix:///PATH)")
    .addOption(new Option('--jobs <n>', 'grades at once (one QEMU each; about two cores each)').default(1).argParser(wholeNumber('--jobs', 1, 64)))
    .action(async (flags: { redis: string; jobs: number }) => {
      try {
        const redis = parseRedisUrl(flags.redis);
        // a wrong URL is said at once, in words, not as endless reconnects
        (await checkRedis(redis, 'kshram-worker-check')).disconnect();
        const log = (line: string): void => void process.stdout.write(`${new Date().toISOString()} ${line}\n`);
        const worker = await startGradeWorker({
          redis,
          jobs: flags.jobs,
          log,
          // the job went back to the queue; this machine needs fixing first
          onBroken: (error) => handleError(new LabError(error.code, `This worker stopped: ${error.message}`, error.suggestion)),
        });
        log(`worker ${worker.id} ready: ${flags.jobs} grade${flags.jobs === 1 ? '' : 's'} at once`);
        let stopping = false;
        const stop = (): void => {
          if (stopping) return;
          stopping = true;
          log(`worker ${worker.id} stopping: its running grades go back to the queue`);
          void worker.close().finally(() => process.exit(0));
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      } catch (err) {
        handleError(err);
      }
    });
}
