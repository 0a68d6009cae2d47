import { describe, expect, it } from 'vitest';
import { isSyncLine, itemMarker, markerInLine, itemStartIndex, kernelLogLine, markerOnConsole, syncMarker } from './console-markers.js';

describe('the grader\'s console markers', () => {
  it('writes what it later recognises', () => {
    expect(kernelLogLine(itemMarker(5, "Reload kshram; it's"))).toBe("<5>kshram-lab: item 5: Reload kshram; it's\n");
    expect(kernelLogLine('two\nlines')).toBe('<5>kshram-lab: two lines\n');
    const lines = ['[ 1.0] kshram-lab: item 4: a', '[ 1.1] x', `[ 1.2] ${markerOnConsole(itemMarker(5, 'b'))}`, '[ 1.3] y'];
    expect(itemStartIndex(lines, 5)).toBe(3);
    expect(itemStartIndex(lines, 4)).toBe(1);
    expect(itemStartIndex(lines, 6)).toBe(-1);
    const sync = `[    2.7] ${markerOnConsole(syncMarker(12))}`;
    expect(isSyncLine(`kshram:/root# ${sync}`)).toBe(true);
    // the serial console ends its lines in \r\r\n
    expect(isSyncLine(`${sync}\r\r`)).toBe(true);
    expect(markerInLine(`kshram:/root# \x1b[6n${sync}\r\r`)).toEqual({ before: 'kshram:/root# \x1b[6n', text: 'sync 12', sync: true });
    expect(markerInLine(`[ 1.2] ${markerOnConsole(itemMarker(5, 'b'))}\r`)).toEqual({ before: '', text: 'item 5: b', sync: false });
    expect(markerInLine('[ 1.3] kshram: loaded')).toBeUndefined();
    expect(isSyncLine('[ 1.0] kshram-lab: item 2: sync 3 things')).toBe(false);
  });
});
