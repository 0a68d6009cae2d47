import { describe, expect, it } from 'vitest';
import { ClickGuard, DOUBLE_CLICK_MS } from './clickGuard';

describe('a toolbar button that turns into its opposite', () => {
  it('ignores the second click of a double click', () => {
    const guard = new ClickGuard('boot');
    expect(guard.accept(1, 1000)).toBe(true);
    guard.settled();
    expect(guard.accept(2, 1100)).toBe(false);
  });

  it("ignores clicks while the first click's action is starting, and just after the button changed meaning", () => {
    const guard = new ClickGuard('boot');
    expect(guard.accept(1, 1000)).toBe(true);
    expect(guard.accept(1, 1050)).toBe(false); // Boot still starting
    guard.update('stop', 1080); // the VM is building: the button is Stop now
    expect(guard.accept(1, 1150)).toBe(false);
    expect(guard.accept(1, 1080 + DOUBLE_CLICK_MS - 1)).toBe(false);
    expect(guard.accept(1, 1080 + DOUBLE_CLICK_MS)).toBe(true); // a deliberate Stop
  });

  it('takes clicks again when an action failed without changing the button', () => {
    const guard = new ClickGuard('grade');
    expect(guard.accept(1, 0)).toBe(true);
    guard.settled();
    expect(guard.accept(1, 10)).toBe(true);
  });

  it('keyboard activation (click count 0) is a click like any other', () => {
    const guard = new ClickGuard('grade');
    expect(guard.accept(0, 5000)).toBe(true);
  });

  it('a button that changed meaning without being clicked (a page opened on a running VM) takes the first click', () => {
    const guard = new ClickGuard('boot');
    guard.update('stop', 2000); // the VM state arrived: the button is Stop
    expect(guard.accept(1, 2050)).toBe(true);
  });
});
