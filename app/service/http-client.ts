/**
 * The course service's API (contract.ts) over fetch, and its live socket
 * with reconnection, for the student and TA pages. It uses only what
 * browsers and Node both have (fetch, FormData, Blob) and imports nothing
 * but the contract, so the pages can bundle it; the live socket is handed
 * in (the browser's WebSocket here, the ws package in Node). Refusals
 * arrive as ServiceCallError with the service's code, message and
 * suggestion.
 */
import type { LabErrorCode } from '../errors.js';
import {
  CLOSE_FORBIDDEN,
  CLOSE_UNAUTHORIZED,
  LIVE_PATH,
  SERVICE_ROUTES,
  type ClassRow,
  type ErrorBody,
  type LiveClientMessage,
  type LiveServerMessage,
  type Me,
  type QueueState,
  type RegradeResponse,
  type RouteName,
  type ServiceError,
  type ServiceInfo,
  type SubmissionDetail,
  type SubmissionView,
  type SubmitResponse,
} from './contract.js';

/** A refusal or failure of the service, with its words for the user. */
export class ServiceCallError extends Error {
  readonly code: LabErrorCode;
  readonly suggestion?: string;

  constructor(
    readonly error: ServiceError,
    /** The HTTP status; 0 when the service could not be reached. */
    readonly status: number,
  ) {
    super(error.message);
    this.name = 'ServiceCallError';
    this.code = error.code;
    this.suggestion = error.suggestion;
  }
}

/** Any rejection of this client as the service's error data. */
export function serviceErrorOf(err: unknown): ServiceError {
  if (err instanceof ServiceCallError) return err.error;
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}

/** The service's address as given (with or without a trailing slash, a path is not allowed). */
export function serviceOrigin(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError(`${url} is not an http:// or https:// address`);
  return parsed.origin;
}

const unreachable = (origin: string, why: string): ServiceCallError =>
  new ServiceCallError({ code: 'DISCONNECTED', message: `The course service at ${origin} could not be reached (${why}).`, suggestion: 'Check the address and your network, or try again in a minute: the service may be restarting.' }, 0);

/** The routes over HTTP, with the token as a Bearer header (never in a URL). */
export class ServiceApi {
  readonly origin: string;

  constructor(
    url: string,
    private readonly token: string | undefined,
    private readonly fetchImpl: typeof fetch = (input, init) => globalThis.fetch(input, init),
  ) {
    this.origin = serviceOrigin(url);
  }

  info(): Promise<ServiceInfo> {
    return this.json('info');
  }

  me(): Promise<Me> {
    return this.json('me');
  }

  /** Uploads one file (its name counts: .ko, .c, .tar.gz, .tgz, .tar, .zip). */
  submit(file: Blob, fileName: string): Promise<SubmitResponse> {
    const form = new FormData();
    form.append('file', file, fileName);
    return this.json('submit', { body: form });
  }

  /** Newest first; a TA may name any student. */
  history(student?: string): Promise<SubmissionView[]> {
    return this.json('history', { query: student === undefined ? undefined : { student } });
  }

  submission(id: string): Promise<SubmissionDetail> {
    return this.json('submission', { id });
  }

  /** The uploaded file as it was received. */
  async file(id: string): Promise<Blob> {
    return (await this.call('file', { id })).blob();
  }

  classRows(): Promise<ClassRow[]> {
    return this.json('classRows');
  }

  /** results.csv of `grade --report`, one row per student. */
  async classCsv(): Promise<string> {
    return (await this.call('classCsv')).text();
  }

  queue(): Promise<QueueState> {
    return this.json('queue');
  }

  /** One student's latest submission again, or everyone's (no student), at low priority. */
  regrade(student?: string): Promise<RegradeResponse> {
    return this.json('regrade', { json: student === undefined ? {} : { student } });
  }

  /** The live socket's address. */
  liveUrl(): string {
    return `${this.origin.replace(/^http/, 'ws')}${LIVE_PATH}`;
  }

  private async json<T>(route: RouteName, options: CallOptions = {}): Promise<T> {
    return (await (await this.call(route, options)).json()) as T;
  }

  private async call(route: RouteName, options: CallOptions = {}): Promise<Response> {
    const { method, path } = SERVICE_ROUTES[route];
    let url = this.origin + (options.id === undefined ? path : path.replace(':id', encodeURIComponent(options.id)));
    if (options.query) url += `?${new URLSearchParams(options.query).toString()}`;
    const headers: Record<string, string> = {};
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    let body: FormData | string | undefined = options.body;
    if (options.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    let response: Response;
    try {
      response = await this.fetchImpl(url, { method, headers, body });
    } catch (err) {
      throw unreachable(this.origin, err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err));
    }
    if (response.ok) return response;
    throw new ServiceCallError(await errorOf(response), response.status);
  }
}

interface CallOptions {
  id?: string;
  query?: Record<string, string>;
  body?: FormData;
  json?: unknown;
}

/** The service's `{ error }` body, or words for a response that has none (a proxy's 502). */
async function errorOf(response: Response): Promise<ServiceError> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as Partial<ErrorBody>;
    if (body.error && typeof body.error.message === 'string') return body.error;
  } catch {
    // not JSON: said below
  }
  return { code: response.status >= 500 ? 'INTERNAL' : 'BAD_ARGUMENT', message: `The course service answered ${response.status} ${response.statusText}${text ? `: ${text.slice(0, 200)}` : ''}.` };
}

// ---------------------------------------------------------------- the live socket

/** What a live connection needs of a WebSocket; the browser's and the ws package's are adapted to it. */
export interface LiveSocket {
  send(text: string): void;
  close(code?: number, reason?: string): void;
}

export interface LiveSocketHandlers {
  open(): void;
  message(text: string): void;
  close(code: number, reason: string): void;
}

/** Opens a WebSocket to `url` and reports to `handlers`. */
export type OpenLiveSocket = (url: string, handlers: LiveSocketHandlers) => LiveSocket;

/**
 * connecting: (re)opening the socket; ready: authenticated, watches sent;
 * lost: the socket dropped, a new one comes after a pause; refused: the
 * token was refused (no retry).
 */
export type LiveStatus = { state: 'connecting' } | { state: 'ready'; me: Me } | { state: 'lost'; reason: string } | { state: 'refused'; reason: string };

/** After the socket drops, try again this soon, then back off to the longest. */
const RECONNECT_FIRST_MS = 1_000;
const RECONNECT_LONGEST_MS = 15_000;

/**
 * The live-run socket: sends the token first, then the watches; after a
 * drop it reconnects and watches again, and the service replays each
 * watched run from its start (listeners see `ready` first and start over).
 */
export class LiveConnection {
  private socket: LiveSocket | undefined;
  private readonly watches = new Set<string>();
  private watchingClass = false;
  private readonly listeners = new Set<(message: LiveServerMessage) => void>();
  private readonly statusListeners = new Set<(status: LiveStatus) => void>();
  private status: LiveStatus = { state: 'connecting' };
  private retryMs = RECONNECT_FIRST_MS;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private authed = false;

  constructor(
    private readonly url: string,
    private readonly token: string,
    private readonly open: OpenLiveSocket,
  ) {
    this.connect();
  }

  onMessage(listener: (message: LiveServerMessage) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Called at once with the present status, then on every change. */
  onStatus(listener: (status: LiveStatus) => void): () => void {
    this.statusListeners.add(listener);
    listener(this.status);
    return () => void this.statusListeners.delete(listener);
  }

  watch(submission: string): void {
    this.watches.add(submission);
    this.send({ t: 'watch', submission });
  }

  unwatch(submission: string): void {
    if (!this.watches.delete(submission)) return;
    this.send({ t: 'unwatch', submission });
  }

  watchClass(): void {
    this.watchingClass = true;
    this.send({ t: 'watchClass' });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.socket?.close(1000, 'closed by the page');
    this.socket = undefined;
  }

  private connect(): void {
    if (this.closed) return;
    this.authed = false;
    this.setStatus({ state: 'connecting' });
    let socket: LiveSocket | undefined;
    try {
      socket = this.open(this.url, {
        open: () => socket?.send(JSON.stringify({ t: 'auth', token: this.token } satisfies LiveClientMessage)),
        message: (text) => this.receive(text),
        close: (code, reason) => {
          if (socket !== this.socket) return;
          this.socket = undefined;
          this.dropped(code, reason);
        },
      });
    } catch (err) {
      this.dropped(0, err instanceof Error ? err.message : String(err));
      return;
    }
    this.socket = socket;
  }

  private receive(text: string): void {
    let message: LiveServerMessage;
    try {
      message = JSON.parse(text) as LiveServerMessage;
    } catch {
      return;
    }
    if (message.t === 'ready') {
      this.authed = true;
      this.retryMs = RECONNECT_FIRST_MS;
      this.setStatus({ state: 'ready', me: message.me });
      // listeners hear `ready` before the replays the watches below bring
      this.listeners.forEach((l) => l(message));
      for (const submission of this.watches) this.send({ t: 'watch', submission });
      if (this.watchingClass) this.send({ t: 'watchClass' });
      return;
    }
    this.listeners.forEach((l) => l(message));
  }

  private dropped(code: number, reason: string): void {
    if (this.closed) return;
    if (code === CLOSE_UNAUTHORIZED || code === CLOSE_FORBIDDEN) {
      this.setStatus({ state: 'refused', reason: reason || 'the course service refused this token' });
      return;
    }
    this.setStatus({ state: 'lost', reason: reason || `connection closed (${code})` });
    this.retryTimer = setTimeout(() => this.connect(), this.retryMs);
    this.retryMs = Math.min(RECONNECT_LONGEST_MS, this.retryMs * 2);
  }

  private send(message: LiveClientMessage): void {
    // before `ready`, watches wait: they are all sent once the token is accepted
    if (this.socket && this.authed) this.socket.send(JSON.stringify(message));
  }

  private setStatus(status: LiveStatus): void {
    this.status = status;
    this.statusListeners.forEach((l) => l(status));
  }
}
