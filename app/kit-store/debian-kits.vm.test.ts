import { describe, expect, it } from 'vitest';
import { gradeSubmission } from '../grade/runner.js';
import { moduleDir } from '../paths.js';
import { BUILTIN_KITS } from './install.js';
import { loadKit } from '../kit/kit.js';

describe('the Debian Linux 6.12 kit', () => {
  it('is a built-in kit beside the default 6.1', () => {
    expect(Object.keys(BUILTIN_KITS)).toEqual(['debian-6.1', 'debian-6.12']);
  });

  it('grades the reference module 100/100, built without a warning', async () => {
    const kit = await loadKit('debian-6.12');
    expect(kit.kernelRelease).toMatch(/^6\.12\.\d+\+deb12-amd64$/);
    const report = await gradeSubmission(moduleDir, { kit: 'debian-6.12' });
    expect(report.kernelRelease).toBe(kit.kernelRelease);
    expect(report.build.diagnostics.filter((d) => d.severity === 'warning' || d.severity === 'error')).toEqual([]);
    expect(report.items.map((i) => i.status)).toEqual(Array(8).fill('pass'));
    expect(report.total).toBe(100);
    expect(report.items[0]!.evidence).toMatch(/^Linux 6\.12\.\S+ booted/);
  });
});
