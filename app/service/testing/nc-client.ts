import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { solve } from '../pow.js';

/**
 * A client of the course's submit protocol, written from its description
 * (issue 21, FACTS.md), as the course's pwntools script behaves: the
 * prefix from the first line's single quotes, base64(S) after
 * `string S: `, the module as base64 lines of at most 1023 characters
 * after `finish the transmission.` and an empty line, then EOF; it reads
 * up to the line with `md5`, then everything until the server closes.
 * Lines are sent with \r\n, as pwntools does with r.newline = b'\r\n'.
 */
export interface CourseRun {
  /** Everything the server sent, as sent. */
  transcript: string;
  md5Line?: string;
  /** The md5 the server said it received. */
  md5?: string;
  closed: boolean;
}

export interface CourseClientOptions {
  /** Answer the PoW with this instead of solving it. */
  powAnswer?: string;
  /** Send these lines instead of the file's base64. */
  uploadLines?: string[];
  /** Hang up after sending this many upload lines (no EOF): a dropped upload. */
  dropAfterLines?: number;
  /** Hang up once the server says this (e.g. "queued"): a client gone mid-grade. */
  dropOn?: RegExp;
  /** Give up after this long. */
  timeoutMs?: number;
  /** Send `token T` before the upload: the submission is that student's. */
  token?: string;
}

const LINE = 1023;

export function submitOverNc(port: number, file: Buffer, options: CourseClientOptions = {}): Promise<CourseRun> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let transcript = '';
    // the console is UTF-8, and a character may be split between two packets
    const decoder = new StringDecoder('utf8');
    let stage: 'pow' | 'instructions' | 'md5' | 'stream' = 'pow';
    let md5Line: string | undefined;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the nc run did not end within ${(options.timeoutMs ?? 0) / 1000} s; got:\n${transcript}`));
    }, options.timeoutMs ?? 300_000);
    const finish = (closed: boolean): void => {
      clearTimeout(timer);
      resolve({ transcript, ...(md5Line ? { md5Line, md5: /\b([0-9a-f]{32})\b/.exec(md5Line)?.[1] } : {}), closed });
    };
    const sendLine = (text: string): boolean => socket.write(`${text}\r\n`);
    socket.on('data', (chunk: Buffer) => {
      transcript += decoder.write(chunk);
      if (stage === 'pow' && transcript.includes('string S: ')) {
        stage = 'instructions';
        const firstLine = transcript.split('\n')[0]!;
        const prefix = firstLine.split("'")[1]!;
        const bits = Number(/(\d+) zero bits/.exec(firstLine)?.[1]);
        sendLine(options.powAnswer ?? solve({ prefix, bits }).toString('base64'));
      }
      if (stage === 'instructions' && /finish the transmission\.\r\n\r\n/.test(transcript)) {
        stage = 'md5';
        if (options.token) sendLine(`token ${options.token}`);
        const base64 = file.toString('base64');
        const lines = options.uploadLines ?? Array.from({ length: Math.ceil(base64.length / LINE) }, (_, i) => base64.slice(i * LINE, (i + 1) * LINE));
        for (const [index, line] of lines.entries()) {
          if (options.dropAfterLines !== undefined && index >= options.dropAfterLines) {
            socket.destroy();
            return finish(false);
          }
          sendLine(line);
        }
        sendLine('EOF');
      }
      if (stage === 'md5') {
        const line = transcript.split('\r\n').find((l) => l.includes('md5'));
        if (line !== undefined) {
          md5Line = line;
          stage = 'stream';
        }
      }
      if (options.dropOn?.test(transcript)) {
        socket.destroy();
        finish(false);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => finish(true));
  });
}

export const md5Of = (data: Buffer): string => createHash('md5').update(data).digest('hex');
