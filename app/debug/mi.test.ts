import { describe, expect, it } from 'vitest';
import { miQuote, parseMiLine } from './mi.js';

describe('GDB/MI records', () => {
  it('reads a breakpoint stop as gdb 13 prints it', () => {
    const line = '*stopped,reason="breakpoint-hit",disp="keep",bkptno="1",frame={addr="0xffffffffc0201220",func="kshram_ioctl",args=[{name="file",value="0xffff888005a4b000"},{name="cmd",value="19201"}],file="/tmp/b/kshram/kshram.c",fullname="/tmp/b/kshram/kshram.c",line="132",arch="i386:x86-64"},thread-id="2",stopped-threads="all",core="1"\r';
    expect(parseMiLine(line)).toEqual({
      kind: '*',
      token: undefined,
      klass: 'stopped',
      results: {
        reason: 'breakpoint-hit',
        disp: 'keep',
        bkptno: '1',
        frame: { addr: '0xffffffffc0201220', func: 'kshram_ioctl', args: [{ name: 'file', value: '0xffff888005a4b000' }, { name: 'cmd', value: '19201' }], file: '/tmp/b/kshram/kshram.c', fullname: '/tmp/b/kshram/kshram.c', line: '132', arch: 'i386:x86-64' },
        'thread-id': '2',
        'stopped-threads': 'all',
        core: '1',
      },
    });
  });

  it('keeps the token of a result record and unescapes its strings', () => {
    expect(parseMiLine('12^error,msg="No symbol table is loaded.  Use the \\"file\\" command."')).toEqual({ kind: '^', token: 12, klass: 'error', results: { msg: 'No symbol table is loaded.  Use the "file" command.' } });
    expect(parseMiLine('3^done')).toEqual({ kind: '^', token: 3, klass: 'done', results: {} });
    expect(parseMiLine('=x,s="tab\\there\\nnl \\303\\251"')!.results.s).toBe('tab\there\nnl é');
  });

  it('reads a list of results (the breakpoint table) as a list of values', () => {
    const record = parseMiLine('4^done,BreakpointTable={nr_rows="1",body=[bkpt={number="1",type="breakpoint",pending="kshram.c:132"},bkpt={number="2",line="140"}]}');
    expect(record!.results.BreakpointTable).toEqual({ nr_rows: '1', body: [{ number: '1', type: 'breakpoint', pending: 'kshram.c:132' }, { number: '2', line: '140' }] });
  });

  it("reads a breakpoint with commands: gdb 13 prints them as a tuple of bare values (the init hook's \"silent\")", () => {
    const line =
      '48^done,BreakpointTable={nr_rows="1",nr_cols="6",hdr=[{width="7",alignment="-1",col_name="number",colhdr="Num"}],body=[bkpt={number="2",type="breakpoint",disp="keep",enabled="y",addr="0xffffffff81138f40",thread-groups=["i1"],cond="*(unsigned long long *)($rdi + 24) == 0x6d617268736b",times="0",script={"silent"},original-location="*0xffffffff81138f40"}]}';
    const record = parseMiLine(line)!;
    expect(record.token).toBe(48);
    const table = record.results.BreakpointTable as { body: Array<Record<string, unknown>> };
    expect(table.body[0]).toMatchObject({ number: '2', script: { 0: 'silent' }, 'original-location': '*0xffffffff81138f40' });
  });

  it('ignores stream records and the prompt, and refuses garbage with an error rather than a wrong record', () => {
    expect(parseMiLine('~"Breakpoint 1 at 0x1234\\n"')).toBeUndefined();
    expect(parseMiLine('(gdb) ')).toBeUndefined();
    expect(() => parseMiLine('^done,msg="unterminated')).toThrow(/unterminated/);
    expect(() => parseMiLine('^done,bkpt={number="1"')).toThrow(/unterminated/);
  });

  it('quotes a CLI command for -interpreter-exec', () => {
    expect(miQuote('echo "a\\b"')).toBe('"echo \\"a\\\\b\\""');
  });
});
