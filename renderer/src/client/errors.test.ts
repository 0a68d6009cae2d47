import { describe, expect, it } from 'vitest';
import { callError, errorData } from './errors';

describe("the client's error mapping", () => {
  it("gives back a call's error data as the engine sent it: code, message, suggestion", () => {
    const data = { code: 'BUSY', message: 'The VM is booting: wait for it before grading.', suggestion: 'Wait for the boot to finish, or stop the VM.' } as const;
    const err = callError(data);
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toBe(data.message);
    expect(errorData(err)).toEqual(data);
  });

  it('maps anything else to INTERNAL with its message', () => {
    expect(errorData(new TypeError('x is undefined'))).toEqual({ code: 'INTERNAL', message: 'x is undefined' });
    expect(errorData('plain text')).toEqual({ code: 'INTERNAL', message: 'plain text' });
    expect(errorData(undefined)).toEqual({ code: 'INTERNAL', message: 'undefined' });
  });

  it('does not take an Error that merely has a data field for a call error', () => {
    const lookalike = Object.assign(new Error('boom'), { data: { code: 'BUSY', message: 'not really' } });
    expect(errorData(lookalike)).toEqual({ code: 'INTERNAL', message: 'boom' });
  });
});
