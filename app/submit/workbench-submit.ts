import type { ApiEvent, ServiceSubmission, ServiceSubmissionDetail, SubmitSettings } from '../api/contract.js';
import { LabError } from '../errors.js';
import { Emitter, type Disposable } from '../events.js';
import { LiveConnection, ServiceApi, ServiceCallError, serviceOrigin } from '../service/http-client.js';
import type { SubmitHandlers } from '../session/handlers.js';
import type { LabSession } from '../session/session.js';
import { openNodeSocket } from './node-socket.js';
import { forgetSettings, loadSettings, saveSettings, settingsPath, type StoredSettings } from './settings.js';
import { workspaceUpload } from './sources.js';

const notConfigured = (): LabError =>
  new LabError('BAD_ARGUMENT', 'Submit sends your module to your course’s grading service, and no service is set up yet.', 'Enter the service’s address and the token your TA gave you in Submit’s settings (the ⚙ beside Submit).');

/** A refusal of the service as a LabError with the service's own code and words. */
function asLabError(err: unknown): unknown {
  return err instanceof ServiceCallError ? new LabError(err.code, err.message, err.suggestion) : err;
}

/**
 * The workbench's Submit (issue 22): the course service's address and this
 * user's token, kept in the user's state folder; Submit builds the
 * workspace, uploads its sources and follows the run on the service's live
 * socket, relaying each event to the UI as `submit.live`.
 */
export class WorkbenchSubmit {
  private readonly events = new Emitter<ApiEvent>();
  private live: { connection: LiveConnection; key: string; off: () => void } | undefined;
  private followed: string | undefined;
  private readonly forwarding: Disposable;

  constructor(private readonly session: LabSession) {
    this.forwarding = session.forward(this.events.event);
  }

  handlers(): SubmitHandlers {
    return {
      'submit.settings': () => this.settings(),
      'submit.configure': ({ url, token }) => this.configure(url, token),
      'submit.forget': () => this.forget(),
      'submit.run': () => this.submit(),
      'submit.history': () => this.history(),
      'submit.open': ({ id }) => this.open(id),
    };
  }

  async settings(): Promise<SubmitSettings> {
    const stored = await loadSettings();
    return { url: stored?.url, student: stored?.student, role: stored?.role, file: settingsPath() };
  }

  /** Checks the address and the token with the service before keeping them. */
  async configure(url: string, token: string): Promise<SubmitSettings> {
    let origin: string;
    try {
      origin = serviceOrigin(url);
    } catch {
      throw new LabError('BAD_ARGUMENT', `${url} is not the address of a web service.`, 'Give it as your TA wrote it, e.g. https://kshram.example.edu or http://127.0.0.1:8080.');
    }
    const api = new ServiceApi(origin, token.trim());
    try {
      await api.info();
      const me = await api.me();
      await saveSettings({ url: origin, token: token.trim(), student: me.student, role: me.role });
    } catch (err) {
      throw asLabError(err);
    }
    this.closeLive();
    return this.settings();
  }

  async forget(): Promise<SubmitSettings> {
    this.closeLive();
    await forgetSettings();
    return this.settings();
  }

  /** Builds what is saved, uploads it, and follows its run; resolves once the service queued it. */
  async submit(): Promise<ServiceSubmission> {
    const stored = await this.stored();
    const built = await this.session.build();
    if (!built.ok) throw new LabError('BUILD_FAILED', 'kshram.c does not compile, so it was not submitted.', 'Fix the errors listed in Problems, then Submit again.');
    const upload = await workspaceUpload(this.session);
    try {
      const { submission } = await this.api(stored).submit(new Blob([upload.data]), upload.fileName);
      this.follow(stored, submission.id);
      return submission;
    } catch (err) {
      throw asLabError(err);
    }
  }

  async history(): Promise<ServiceSubmission[]> {
    const stored = await this.stored();
    try {
      return await this.api(stored).history();
    } catch (err) {
      throw asLabError(err);
    }
  }

  /** One submission, stored; its run (replayed while the service keeps it) follows as events. */
  async open(id: string): Promise<ServiceSubmissionDetail> {
    const stored = await this.stored();
    try {
      const detail = await this.api(stored).submission(id);
      this.follow(stored, id);
      return detail;
    } catch (err) {
      throw asLabError(err);
    }
  }

  dispose(): void {
    this.closeLive();
    this.forwarding.dispose();
    this.events.dispose();
  }

  private async stored(): Promise<StoredSettings> {
    const stored = await loadSettings();
    if (!stored) throw notConfigured();
    return stored;
  }

  private api(stored: StoredSettings): ServiceApi {
    return new ServiceApi(stored.url, stored.token);
  }

  /** Watches one submission at a time on one live socket per service and token. */
  private follow(stored: StoredSettings, id: string): void {
    const key = `${stored.url}\n${stored.token}`;
    if (this.live?.key !== key) {
      this.closeLive();
      const connection = new LiveConnection(this.api(stored).liveUrl(), stored.token, openNodeSocket);
      const off = connection.onMessage((message) => {
        if (message.t === 'ready') {
          // the service replays the watched run from its start
          if (this.followed) this.events.fire({ name: 'submit.live', payload: { submission: this.followed, restart: true } });
        } else if (message.t === 'event' && message.submission === this.followed) {
          this.events.fire({ name: 'submit.live', payload: { submission: message.submission, event: message.event } });
        }
      });
      this.live = { connection, key, off };
    }
    if (this.followed && this.followed !== id) this.live.connection.unwatch(this.followed);
    this.followed = id;
    this.events.fire({ name: 'submit.live', payload: { submission: id, restart: true } });
    this.live.connection.watch(id);
  }

  private closeLive(): void {
    this.live?.off();
    this.live?.connection.close();
    this.live = undefined;
    this.followed = undefined;
  }
}
