import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { guestResourcesDir } from '../paths.js';
import { describeCrash, parseCrashReport } from './crash.js';

/**
 * The guest agent's end is a verdict at once, not a wait for replies that
 * never come: /init writes a line when the agent ends, and an OOM kill is
 * named as one. The line is the one /init really writes.
 */
describe("the guest agent's end and the OOM killer", () => {
  it('recognises the line /init writes when the agent ends', () => {
    const init = readFileSync(join(guestResourcesDir, 'init'), 'utf8');
    const line = /echo "<2>(kshram-lab: the guest agent ended \(exit status )\$\?\)"/.exec(init);
    expect(line).not.toBeNull();
    const crash = parseCrashReport(`[   12.100000] ${line![1]}137)\nkshram:/root# `)!;
    expect(crash.kind).toBe('agent');
    expect(describeCrash(crash)).toBe('The grader lost the guest: kshram-lab: the guest agent ended (exit status 137)');
  });

  it('names an OOM kill, with the process the killer chose', () => {
    const crash = parseCrashReport('[    9.514411] Out of memory: Killed process 109 (insmod) total-vm:2260kB, anon-rss:4kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:28kB oom_score_adj:0\n[    9.6] next\n')!;
    expect(crash).toMatchObject({ kind: 'oom', complete: true });
    expect(describeCrash(crash)).toMatch(/^The guest ran out of memory: Out of memory: Killed process 109 \(insmod\)/);
  });
});
