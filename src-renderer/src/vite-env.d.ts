/// <reference types="vite/client" />
import type { CreditlabApi } from '@creditlab/api';
import type { CreditlabDesktopApi } from '../../src-main/electron/channels';

declare global {
  interface Window {
    /** Set by Electron's preload; absent in the browser, where the web transport is used instead. */
    creditlab?: CreditlabApi;
    /** Native dialogs and the application menu, Electron only. */
    creditlabDesktop?: CreditlabDesktopApi;
  }
}
