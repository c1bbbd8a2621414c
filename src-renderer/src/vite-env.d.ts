/// <reference types="vite/client" />
import type { CreditlabApi } from '@creditlab/api';

declare global {
  interface Window {
    /** Set by Electron's preload; absent in the browser, where the web transport is used instead. */
    creditlab?: CreditlabApi;
  }
}
