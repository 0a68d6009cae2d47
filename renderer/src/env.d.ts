import type { Api } from '../../main/preload/index';

declare global {
  interface Window {
    /** Present only in Electron, put there by the preload. */
    kshramLab?: Api;
  }
}

export {};
