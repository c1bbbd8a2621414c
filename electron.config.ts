// electron-builder configuration, run by `npm run dist` (scripts/dist.mjs transpiles this file).
import type { Configuration } from 'electron-builder';

const config: Configuration = {
  appId: 'org.creditlab.workbench',
  productName: 'Creditlab',
  copyright: 'Copyright © Creditlab contributors (MIT)',
  directories: { output: 'release', buildResources: 'build' },
  extraMetadata: { main: 'dist-electron/main.cjs' },
  // main.cjs and worker.cjs bundle every workspace package; at run time the app reads only these
  // files and the externals of scripts/build-electron.mjs from node_modules.
  files: [
    'package.json',
    'dist-electron/*.cjs',
    // Files the bundles open by path, copied next to them by build-electron.mjs (HELPER_FILES).
    'dist-electron/gym/**',
    'dist/renderer/**',
    'presets/*.json',
    // Renderer-only libraries are inside dist/renderer already (Vite); workspace packages are bundled.
    '!node_modules/monaco-editor/**',
    '!node_modules/plotly.js-cartesian-dist-min/**',
    '!node_modules/react/**',
    '!node_modules/react-dom/**',
    '!node_modules/scheduler/**',
    '!node_modules/@creditlab/**',
    '!**/*.{map,md,d.ts}',
  ],
  asar: true,
  // Files a worker thread, the dynamic linker or a child process needs as real files on disk.
  asarUnpack: [
    // The Gymnasium bridge: Python runs creditlab_bridge.py, and its channel's threads start from .mjs files
    // (the bundles look for them in app.asar.unpacked).
    'dist-electron/gym/**',
    'node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm',
    'node_modules/@tensorflow/tfjs-node/**',
    'node_modules/better-sqlite3/**',
    // The reward sandbox's native addon.
    'node_modules/isolated-vm/**',
    // The reward sandbox transpiles user code with esbuild, which spawns its platform binary.
    'node_modules/esbuild/**',
    'node_modules/@esbuild/**',
  ],
  // better-sqlite3 and isolated-vm are compiled for Node's ABI by npm; @electron/rebuild recompiles them
  // for Electron's at packaging time (scripts/dist.mjs puts the Node builds back afterwards for the CLI
  // and tests).
  npmRebuild: true,
  nodeGypRebuild: false,
  buildDependenciesFromSource: false,
  electronFuses: {
    runAsNode: false,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
  },
  linux: {
    target: ['AppImage', 'deb'],
    category: 'Science',
    icon: 'build/icons',
    synopsis: 'Reward design and credit assignment workbench for RL and RLHF',
    maintainer: 'Creditlab contributors',
  },
  deb: { priority: 'optional' },
  mac: {
    target: ['dmg'],
    category: 'public.app-category.developer-tools',
    icon: 'build/icon.png',
    hardenedRuntime: true,
  },
  dmg: { title: 'Creditlab ${version}' },
  win: { target: ['nsis'], icon: 'build/icon.png' },
  nsis: { oneClick: false, perMachine: false, allowToChangeInstallationDirectory: true },
  publish: null,
};

export default config;
