// Episode-scoring worker of the Electron build (dist-electron/score-worker.cjs); see worker.ts.
import '../../workspaces/runner/src/score-entry';
