import type { CheckedFinding } from './findings.js';

/**
 * What a finding's line means, in words, where the line is not the bad
 * access itself: SLUB checks a red zone or a freed object's poison only
 * when the object is freed (or resized), so its report names where the
 * buffer was allocated; kmemleak names where what leaked was allocated.
 */
export function explainFinding(finding: Pick<CheckedFinding, 'kind' | 'title'>): string | undefined {
  if (finding.kind === 'kmemleak') return 'allocated here and never freed';
  if (finding.kind !== 'slub') return undefined;
  if (/Right Redzone overwritten/i.test(finding.title)) return 'the buffer allocated here was written past its end; the write happened before it was freed (or resized), which is when SLUB looked';
  if (/Left Redzone overwritten/i.test(finding.title)) return 'the buffer allocated here was written before its start; the write happened before it was freed (or resized), which is when SLUB looked';
  if (/Poison overwritten/i.test(finding.title)) return 'the buffer allocated here was written after it was freed';
  if (/Redzone|Padding/i.test(finding.title)) return 'memory around the buffer allocated here was overwritten before it was freed (or resized)';
  return undefined;
}
