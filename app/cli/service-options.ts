import { InvalidArgumentError } from 'commander';
import { join } from 'node:path';
import { stateDir } from '../paths.js';

/** `serve` and `token` share the data folder: by default in the user's state folder. */
export const defaultDataDir = (): string => join(stateDir(), 'service');

export const wholeNumber =
  (what: string, min: number, max: number) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${what} is a whole number from ${min} to ${max}.`);
    return n;
  };

export const parsePort = wholeNumber('a port', 0, 65535);
