import { createHash } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { toErrorData } from '../errors.js';
import type { Disposable } from '../events.js';
import { decodeBase64Strictly } from './base64.js';
import type { GradeItemJson, GradeReportJson, LiveEvent, Me, ServiceError, SubmissionView } from './contract.js';
import { MAX_UPLOAD_BYTES } from './contract.js';
import { newChallenge, solves, type PowChallenge } from './pow.js';
import { PlainTextStream, plainText } from './plain-text.js';
import type { CourseService } from './service.js';
import { tooLarge } from './upload.js';

/**
 * The course's challenge-server protocol, spoken exactly (the course's
 * pwntools submit script and plain `nc` both work unchanged):
 *
 *   server: a line with the prefix P in single quotes, then a prompt ending `string S: `
 *   client: base64(S), where sha1(P + S) starts with --pow-bits zero bits (000000 in hex for 24)
 *   server: instructions ending with `finish the transmission.` and an empty line
 *   client: the file as base64 in lines (the script sends ≤ 1023 characters each), then `EOF`
 *   server: a line with `md5` and the md5 of what arrived; then the graded run streams
 *           (the guest's console and the checklist) and a last line with the score as N/100
 *
 * Every line the server sends ends in \r\n (QEMU's console does, and the
 * course's script reads with r.newline = b'\r\n'), and all of it is plain
 * text: no escape sequences, no control characters (plain-text.ts). An
 * nc submission belongs to the client's address ("nc-10.0.0.7") unless its
 * first upload line is `token T` with a token from `kshram-lab token add`.
 */

export const CRLF = '\r\n';
/** Python solves 24 bits in ~20 s on these machines; a slow laptop gets several times that. */
const POW_TIMEOUT_MS = 180_000;
/** Between two upload lines: a paste or a script sends them back to back. */
const UPLOAD_IDLE_MS = 60_000;
/** The course's script sends 1023; a pasted `base64 kshram.ko` has 76. Longer is not a line of base64. */
const MAX_UPLOAD_LINE_CHARS = 64 * 1024;
/** The PoW answer: base64 of a short string. */
const MAX_POW_LINE_CHARS = 1024;
/** All base64 of an upload at its size limit, with some slack for padding per line. */
const MAX_UPLOAD_BASE64_CHARS = Math.ceil((MAX_UPLOAD_BYTES * 4) / 3) + 64 * 1024;
/** One address may hold this many connections at once (a lab room behind one NAT fits; a campus NAT: raise it). */
export const MAX_CONNECTIONS_PER_ADDRESS = 32;
/** The whole server: each connection is a few KiB until it uploads. */
const MAX_CONNECTIONS = 1_024;
const BASE64_LINE = /^[A-Za-z0-9+/]*={0,2}$/;
const TOKEN_LINE = /^token\s+(\S+)$/i;

export interface NcFront {
  port: number;
  close(): Promise<void>;
}

export async function startNcFront(service: CourseService, host: string, port: number, powBits: number, maxPerAddress = MAX_CONNECTIONS_PER_ADDRESS): Promise<NcFront> {
  const perAddress = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    const address = normalizeAddress(socket.remoteAddress ?? 'unknown');
    const count = (perAddress.get(address) ?? 0) + 1;
    sockets.add(socket);
    perAddress.set(address, count);
    socket.once('close', () => {
      sockets.delete(socket);
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left) perAddress.set(address, left);
      else perAddress.delete(address);
    });
    socket.on('error', () => socket.destroy());
    if (count > maxPerAddress || sockets.size > MAX_CONNECTIONS) {
      const limit = count > maxPerAddress ? `${maxPerAddress} from one address` : `${MAX_CONNECTIONS} in all`;
      socket.end(`Too many connections from ${address} at once (the limit is ${limit}); wait for one to end and try again.${CRLF}`);
      return;
    }
    void new NcSession(service, socket, address, newChallenge(powBits)).run();
  });
  server.maxConnections = MAX_CONNECTIONS + maxPerAddress;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as { port: number }).port,
    close: async () => {
      for (const socket of sockets) socket.end(`${CRLF}The server is shutting down; your submission is kept and graded.${CRLF}`);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
    },
  };
}

/** "::ffff:127.0.0.1" is 127.0.0.1. */
function normalizeAddress(address: string): string {
  return address.replace(/^::ffff:/, '');
}

/** The connection went away (or said something it must not): ends the session quietly. */
class Hangup extends Error {}

/** One connection, start to end. */
class NcSession {
  private buffer = '';
  private waiting: ((line: string | undefined) => void) | undefined;
  private closed = false;
  private lineLimit = MAX_POW_LINE_CHARS;
  private watch: Disposable | undefined;
  private lastConsoleChar = '\n';
  /** The guest's console without its escapes; a sequence cut between two events waits for its end. */
  private readonly plainConsole = new PlainTextStream();

  constructor(
    private readonly service: CourseService,
    private readonly socket: Socket,
    private readonly address: string,
    private readonly challenge: PowChallenge,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.once('close', () => {
      this.closed = true;
      this.watch?.dispose();
      this.waiting?.(undefined);
    });
  }

  /** Everything leaves through here, as plain text (also a stage's detail or a refusal quoting the upload). */
  private send(text: string): void {
    if (!this.closed) this.socket.write(plainText(text));
  }

  private line(text = ''): void {
    this.send(`${text}${CRLF}`);
  }

  private bye(text: string): void {
    this.line(text);
    this.socket.end();
    this.closed = true;
  }

  private onData(chunk: Buffer): void {
    this.buffer += chunk.toString('latin1');
    // a line longer than allowed is refused before it fills memory
    const open = this.buffer.length - (this.buffer.lastIndexOf('\n') + 1);
    if (open > this.lineLimit) {
      this.bye(`A line longer than ${this.lineLimit} characters: this is not the protocol (base64 lines, then EOF). Bye.`);
      this.socket.destroy();
      return;
    }
    this.deliver();
  }

  private deliver(): void {
    if (!this.waiting) return;
    const end = this.buffer.indexOf('\n');
    if (end < 0) return;
    const line = this.buffer.slice(0, end).replace(/\r$/, '');
    this.buffer = this.buffer.slice(end + 1);
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting(line);
  }

  /** The next line, or a polite goodbye after `timeoutMs` of silence. */
  private nextLine(timeoutMs: number, onTimeout: string): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Hangup());
      const timer = setTimeout(() => {
        this.waiting = undefined;
        this.bye(onTimeout);
        reject(new Hangup());
      }, timeoutMs);
      this.waiting = (line) => {
        clearTimeout(timer);
        if (line === undefined) reject(new Hangup());
        else resolve(line);
      };
      this.deliver();
    });
  }

  async run(): Promise<void> {
    try {
      if (!(await this.proofOfWork())) return;
      const upload = await this.receive();
      if (!upload) return;
      await this.grade(upload.data, upload.me);
    } catch (err) {
      if (!(err instanceof Hangup)) this.bye(`Internal error: ${(err as Error).message}`);
    }
  }

  private async proofOfWork(): Promise<boolean> {
    const { prefix, bits } = this.challenge;
    const hex = bits % 4 === 0 ? ` (${'0'.repeat(bits / 4)} in hex)` : '';
    this.line(`Please find a string S such that sha1('${prefix}' + S) starts with ${bits} zero bits${hex}.`);
    this.send(`Send base64(S) as one line. string S: `);
    const answer = (await this.nextLine(POW_TIMEOUT_MS, `${CRLF}No answer within ${POW_TIMEOUT_MS / 1000} s. Bye.`)).trim();
    const decoded = decodeBase64Strictly(answer);
    if (!answer || !decoded) {
      this.bye(`That is not base64 (send base64(S), e.g. the output of: printf %s S | base64). Bye.`);
      return false;
    }
    if (!solves(this.challenge, decoded)) {
      this.bye(`Wrong answer: sha1('${prefix}' + S) does not start with ${bits} zero bits. Bye.`);
      return false;
    }
    return true;
  }

  private async receive(): Promise<{ data: Buffer; me: Me } | undefined> {
    const megabytes = MAX_UPLOAD_BYTES / 1024 / 1024;
    this.line('Proof of work accepted.');
    this.line(`Upload your kshram.ko (built for Linux ${this.service.kit.kernelRelease}), at most ${megabytes} MiB.`);
    this.line('To have it in your history on the web page, first send a line: token YOUR_TOKEN');
    this.line("Send the file as base64, in lines of at most 1023 characters, then a line 'EOF' to finish the transmission.");
    this.line('');
    this.lineLimit = MAX_UPLOAD_LINE_CHARS;
    let me: Me = { student: `nc-${this.address.replace(/[^A-Za-z0-9.]/g, '-')}`, role: 'student' };
    const lines: string[] = [];
    let chars = 0;
    for (let number = 1; ; number++) {
      const line = (await this.nextLine(UPLOAD_IDLE_MS, `${CRLF}Nothing received for ${UPLOAD_IDLE_MS / 1000} s: the upload is incomplete (no EOF line), nothing was submitted. Bye.`)).trim();
      if (line === 'EOF') break;
      const token = TOKEN_LINE.exec(line);
      if (token && !lines.length) {
        const owner = this.service.authenticate(token[1]);
        if (!owner) return void this.bye('That token is not known here: nothing was submitted. Ask your TA for yours, or leave the token line out. Bye.');
        me = owner;
        this.line(`Hello ${owner.student}.`);
        continue;
      }
      if (!BASE64_LINE.test(line)) {
        this.bye(`Line ${number} is not base64 (${JSON.stringify(line.slice(0, 40))}${line.length > 40 ? '...' : ''}): nothing was submitted. Send base64 lines, then EOF. Bye.`);
        return undefined;
      }
      chars += line.length;
      if (chars > MAX_UPLOAD_BASE64_CHARS) {
        this.bye(`${tooLarge('The upload').message} Nothing was submitted. Bye.`);
        return undefined;
      }
      lines.push(line);
    }
    // one file's base64 cut into lines; a file of 3n+1 bytes ends in ==
    const data = decodeBase64Strictly(lines.join(''));
    if (!data) {
      this.bye('The base64 is damaged (padding in the middle, or a cut-off last line): nothing was submitted. Send the whole file, then EOF. Bye.');
      return undefined;
    }
    this.line(`Received ${data.length} bytes, md5 ${createHash('md5').update(data).digest('hex')}`);
    return { data, me };
  }

  private async grade(data: Buffer, me: Me): Promise<void> {
    let outcome;
    try {
      outcome = await this.service.submit(me, { data, via: 'nc' });
    } catch (err) {
      return this.refuse(toErrorData(err));
    }
    const { submission, duplicate } = outcome;
    this.line(duplicate ? `You sent this file already: it is submission ${submission.id}; following it.` : `Submission ${submission.id} is queued.`);
    const done = new Promise<void>((resolve) => {
      const onEvent = (event: LiveEvent): void => {
        this.onEvent(event);
        if (event.name === 'grade.done') resolve();
      };
      void this.service
        .watch(me, submission.id, onEvent)
        .then((watch) => {
          if (this.closed) watch.dispose();
          else this.watch = watch;
        })
        .catch((err: unknown) => {
          this.refuse(toErrorData(err));
          resolve();
        });
      this.socket.once('close', () => resolve());
    });
    await done;
    this.watch?.dispose();
    if (!this.closed) this.socket.end();
  }

  private refuse(error: ServiceError): void {
    this.line(`Refused: ${error.message}`);
    if (error.suggestion) this.line(`What to do: ${error.suggestion}`);
    this.bye('Score: 0/100 (not graded)');
  }

  private lastPosition: number | undefined;

  private onEvent(event: LiveEvent): void {
    switch (event.name) {
      case 'submission.state':
        return this.onState(event.payload);
      case 'grade.stage':
        if (event.payload.stage !== 'done') this.grader(event.payload.detail);
        return;
      case 'grade.itemStart':
        return;
      case 'grade.itemEnd':
        return this.grader(itemLine(event.payload.item));
      case 'console.data':
        return this.console(event.payload.data);
      case 'grade.done':
        return this.summary(event.payload.result, event.payload.error);
    }
  }

  /** A grader started on it once: a later start is a regrade of a lost attempt, said as such. */
  private graderStarted = false;

  private onState(view: SubmissionView): void {
    if (view.state === 'queued' && view.position !== undefined && view.position !== this.lastPosition) {
      this.lastPosition = view.position;
      this.line(`Waiting for a grader: position ${view.position} in the queue.`);
    } else if (view.state === 'running') {
      this.lastPosition = undefined;
      if (this.graderStarted) {
        // a worker died mid-grade and the queue gave it to another: the lines above were cut short
        if (this.lastConsoleChar !== '\n') this.send(CRLF);
        this.lastConsoleChar = '\n';
        this.line('The grader running it stopped before the end (its machine was lost): it is graded again from the start, and only this run counts.');
      }
      this.graderStarted = true;
      this.line('A grader has started on it.');
    }
  }

  /** The guest's console as it printed it, less its escapes, with every line ending in \r\n. */
  private console(raw: string): void {
    this.consoleText(this.plainConsole.push(raw));
  }

  private consoleText(text: string): void {
    if (!text) return;
    let out = '';
    for (const char of text) {
      out += char === '\n' && this.lastConsoleChar !== '\r' ? CRLF : char;
      this.lastConsoleChar = char;
    }
    this.send(out);
  }

  /** A line of the grader's own, on a line of its own even when the console was mid-line. */
  private grader(text: string): void {
    this.consoleText(this.plainConsole.flush());
    if (this.lastConsoleChar !== '\n') this.send(CRLF);
    this.lastConsoleChar = '\n';
    this.line(`[kshram-lab] ${text}`);
  }

  private summary(result: GradeReportJson | undefined, error: ServiceError | undefined): void {
    if (!result) return this.refuse(error ?? { code: 'INTERNAL', message: 'the grade ended without a result' });
    this.consoleText(this.plainConsole.flush());
    if (this.lastConsoleChar !== '\n') this.send(CRLF);
    this.line('');
    this.line('==== checklist ====');
    for (const item of result.items) this.line(itemLine(item));
    for (const note of result.notes) this.line(`note: ${note}`);
    this.line(`Score: ${result.total}/${result.max} (Linux ${result.kernelRelease}, ${result.kit}; graded in ${(result.elapsedMs / 1000).toFixed(1)} s)`);
  }
}

function itemLine(item: GradeItemJson): string {
  const mark = item.status === 'pass' ? '[PASS]' : item.status === 'fail' ? '[FAIL]' : '[ -- ]';
  const why = item.status === 'fail' && item.summary ? ` - ${item.summary}` : '';
  return `${mark} ${item.id}. ${item.title} ${item.points}/${item.max}${why}`;
}

