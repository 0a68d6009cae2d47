import { relative } from 'node:path';
import { afterAll, afterEach, beforeEach, expect } from 'vitest';
import { projectRoot } from '../app/paths.js';
import { describeLeftovers, endLeftovers, FILE_MARKER, leftoversAfter, processCount, WORKER_MARKER } from './leftovers.js';
import { endFileProcesses, endTestProcesses, enterTest } from './owned.js';

/**
 * Run before every test file (setupFiles). What a test started with
 * test/owned.ts ends after the test, what a hook started after the file;
 * then nothing the file started may still be running (an engine object
 * not disposed, a child spawned some other way): else the file fails,
 * naming what was left, which is killed. The hooks here are registered
 * first, so they run after the file's own afterEach and afterAll.
 */

/** Processes killed a moment ago (a disposed session's clangd, QEMU) get this long to be gone. */
const GRACE_MS = 10_000;

// every child inherits these: a leftover names its file, and this worker's are told from the other's
process.env[FILE_MARKER] = relative(projectRoot, expect.getState().testPath ?? '');
process.env[WORKER_MARKER] = String(process.pid);

beforeEach(({ task }) => enterTest(task.id));

afterEach(({ task }) => endTestProcesses(task.id));

afterAll(async () => {
  await endFileProcesses();
  const left = await leftoversAfter({ marker: { name: WORKER_MARKER, value: String(process.pid) }, root: process.pid }, GRACE_MS);
  if (!left.length) return;
  await endLeftovers(left);
  throw new Error(`${process.env[FILE_MARKER]} left ${processCount(left.length)} running after its tests (now killed):\n${describeLeftovers(left)}`);
}, GRACE_MS + 30_000);
