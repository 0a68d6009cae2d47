import { afterEach, describe, expect, it } from 'vitest';
import type { SlotsSnapshot } from '../api/contract.js';
import { MinRefreshIntervalMs, QuietAfterCommandMs, SlotsRefresher, type SlotsRequest } from './slots-refresher.js';

/** The refresher's rules on its own: when it may map slots (the guest side is tested in session.vm.test.ts). */
describe('when the slot view maps slots', () => {
  const requests: SlotsRequest[] = [];
  let report = false;
  let busy = false;
  let refresher: SlotsRefresher;
  const make = (): SlotsRefresher => {
    refresher = new SlotsRefresher(
      async (request) => {
        requests.push(request);
        return { loaded: true, slots: [], malformed: [], takenAt: Date.now(), ...(busy && request.mapSlots ? { consoleBusy: true } : {}) } satisfies SlotsSnapshot;
      },
      () => undefined,
      () => report,
    );
    return refresher;
  };
  const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  afterEach(() => {
    refresher.dispose();
    requests.length = 0;
    report = false;
    busy = false;
  });

  it('reads sizes only at boot, before the student has run anything', async () => {
    make().request();
    await settle(50);
    expect(requests).toEqual([{ mapSlots: false }]);
  });

  it('maps once a command the student ran has gone quiet', async () => {
    const r = make();
    r.request();
    r.noteInput('ls\r');
    r.noteOutput();
    await settle(MinRefreshIntervalMs + QuietAfterCommandMs + 100);
    expect(requests).toEqual([{ mapSlots: false }, { mapSlots: true }]);
  });

  it('keystrokes without Enter are not a command', async () => {
    const r = make();
    r.noteInput('ls');
    await settle(QuietAfterCommandMs + 100);
    expect(requests).toEqual([]);
  });

  it('never maps after a kernel report, even after later commands', async () => {
    const r = make();
    r.noteInput('./check_msg\r');
    await settle(QuietAfterCommandMs + 100);
    report = true;
    r.noteInput('ls\r');
    await settle(MinRefreshIntervalMs + QuietAfterCommandMs + 100);
    expect(requests).toEqual([{ mapSlots: true }, { mapSlots: false }]);
  });

  it('a program still running on the console is waited for: the next output tries again', async () => {
    const r = make();
    busy = true;
    r.noteInput('sleep 5\r');
    await settle(QuietAfterCommandMs + 100);
    busy = false;
    r.noteOutput();
    await settle(MinRefreshIntervalMs + QuietAfterCommandMs);
    expect(requests).toEqual([{ mapSlots: true }, { mapSlots: true }]);
  });
});
