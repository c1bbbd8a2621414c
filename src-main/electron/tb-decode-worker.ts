// TensorBoard decoding worker of the Electron build (dist-electron/tb-decode-worker.cjs); see worker.ts.
import '../../workspaces/importers/src/decode-entry';
