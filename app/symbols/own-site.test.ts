import { describe, expect, it } from 'vitest';
import { describeOwnSite, firstOwnSite, type DecodedFrame, type SourceSite } from './decode.js';

const site = (fn: string, line: number, own = true): SourceSite => ({ function: fn, file: own ? 'kshram.c' : 'include/linux/mutex.h', line, own });
const frame = (sites: SourceSite[]): DecodedFrame => ({ ...sites[0]!, symbol: `${sites.at(-1)!.function}+0x48/0x90`, offset: 0x48, module: 'kshram', exact: false, inlinedFrom: sites.slice(1) });

describe("the student's first line of a crash", () => {
  it('names the calls an inlined helper sat in, once each: gcc lists kshram_ioctl inlined into itself at its first line', () => {
    // addr2line -i of kshram_get_size(NULL) returned from kshram_ioctl (gcc 12, the debian-6.1 kit): 77, then 144, then 136
    const own = firstOwnSite([frame([site('kshram_get_size', 77), site('kshram_ioctl', 144), site('kshram_ioctl', 136)])])!;
    expect(own.inlinedInto).toEqual([{ function: 'kshram_ioctl', file: 'kshram.c', line: 144 }]);
    expect(describeOwnSite(own)).toBe('your code: kshram.c:77 in kshram_get_size, inlined into kshram_ioctl at kshram.c:144');
  });

  it("starts at the student's code when a kernel header's inline is innermost, and says nothing of inlining when there was none", () => {
    const own = firstOwnSite([frame([site('mutex_lock', 12, false), site('kshram_mmap', 183)])])!;
    expect(own).toMatchObject({ function: 'kshram_mmap', line: 183 });
    expect(own.inlinedInto).toBeUndefined();
    expect(describeOwnSite(own)).toBe('your code: kshram.c:183 in kshram_mmap');
  });
});
