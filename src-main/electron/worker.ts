// Run worker of the Electron build (dist-electron/worker.cjs): the same entry as the CLI's worker
// threads, bundled to CJS because the packaged app has no tsx loader hook (see build-electron.mjs).
import '../../workspaces/runner/src/worker-entry';
