import { Command, Option } from 'commander';
import pc from 'picocolors';
import { LabError } from '../errors.js';
import { STUDENT_NAME } from '../service/contract.js';
import { Store } from '../service/store.js';
import { addToken } from '../service/tokens.js';
import { handleError } from './errors.js';
import { defaultDataDir } from './service-options.js';

const dataOption = (): Option => new Option('--data <dir>', "the service's data folder (as given to serve)").default(defaultDataDir(), '$XDG_STATE_HOME/kshram-lab/service');

function studentName(name: string): string {
  if (!STUDENT_NAME.test(name)) throw new LabError('BAD_ARGUMENT', `"${name}" is not a student name.`, 'Use letters, digits and . _ @ + - (at most 64), e.g. a login or a student number.');
  return name;
}

/** `kshram-lab token add|list|revoke`: the service's tokens, kept hashed in its data folder (works while it runs). */
export function tokenCommand(): Command {
  const token = new Command('token').description("manage the course service's tokens (one per student; --ta for TAs)");
  token
    .command('add')
    .argument('<student>', 'the student (or TA) the token is for')
    .description('print a new token for STUDENT (its last line of output); an earlier token of theirs stops working')
    .option('--ta', 'a TA token: the class dashboard, every submission, regrades')
    .addOption(dataOption())
    .action((student: string, flags: { ta?: boolean; data: string }) => {
      try {
        const store = new Store(flags.data);
        try {
          const value = addToken(store, studentName(student), flags.ta ? 'ta' : 'student');
          process.stderr.write(pc.dim(`${flags.ta ? 'TA' : 'student'} token for ${student} (stored hashed in ${flags.data}; shown once):\n`));
          process.stdout.write(`${value}\n`);
        } finally {
          store.close();
        }
      } catch (err) {
        handleError(err);
      }
    });
  token
    .command('list')
    .description('list who has a token (the tokens themselves are not kept)')
    .option('--json', 'print the list as JSON')
    .addOption(dataOption())
    .action((flags: { json?: boolean; data: string }) => {
      try {
        const store = new Store(flags.data);
        try {
          const tokens = store.listTokens();
          if (flags.json) process.stdout.write(`${JSON.stringify(tokens.map((t) => ({ ...t, createdAt: new Date(t.createdAt).toISOString() })), null, 2)}\n`);
          else for (const t of tokens) process.stdout.write(`${t.student}\t${t.role}\t${new Date(t.createdAt).toISOString()}\n`);
        } finally {
          store.close();
        }
      } catch (err) {
        handleError(err, { json: flags.json });
      }
    });
  token
    .command('revoke')
    .argument('<student>')
    .description("revoke STUDENT's token (their submissions stay)")
    .addOption(dataOption())
    .action((student: string, flags: { data: string }) => {
      try {
        const store = new Store(flags.data);
        try {
          if (!store.revokeToken(studentName(student))) throw new LabError('NOT_FOUND', `${student} has no token.`, 'kshram-lab token list shows who has one.');
          process.stderr.write(`revoked the token of ${student}\n`);
        } finally {
          store.close();
        }
      } catch (err) {
        handleError(err);
      }
    });
  return token;
}
