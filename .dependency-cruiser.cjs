// The layering of README.md's layout table, checked by `npm run check:layers` (and `npm test`):
// pure packages below, host code knows Node and Electron, UI code knows the DOM.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'workspace-to-app',
      comment: 'workspace packages are libraries: they never import the host, the renderer, e2e tests or benchmarks (their tests may drive the host end to end)',
      severity: 'error',
      from: { path: '^workspaces/[^/]+/src/' },
      to: { path: '^(src-main|src-renderer|e2e|bench)/' },
    },
    {
      name: 'workspace-to-ui-or-electron',
      comment: 'workspace packages run under plain Node and in workers: no Electron, React, Monaco or Plotly',
      severity: 'error',
      from: { path: '^workspaces/' },
      to: { path: 'node_modules/(electron|react|react-dom|monaco-editor|plotly\\.js[^/]*)/' },
    },
    {
      name: 'pure-package-to-node',
      comment: 'api, stats and common are loaded by the renderer too: no Node built-ins',
      severity: 'error',
      from: { path: '^workspaces/(api|stats|common)/src/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'renderer-to-node',
      comment: 'the renderer is a web page: no Node built-ins, directly or through what it imports',
      severity: 'error',
      from: { path: '^src-renderer/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'renderer-to-host',
      comment: 'the renderer reaches the host only through window.creditlab; it may share type declarations',
      severity: 'error',
      from: { path: '^src-renderer/' },
      to: { path: '^(src-main|e2e|bench)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'renderer-to-node-workspaces',
      comment: 'of the workspace packages, the renderer imports only the DOM-safe ones (api, stats, common) at run time',
      severity: 'error',
      from: { path: '^src-renderer/' },
      to: { path: '^workspaces/(?!api/|stats/|common/)', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'host-to-renderer',
      comment: 'the host serves the built renderer; it never imports its source (its tests may check a renderer helper)',
      severity: 'error',
      from: { path: '^src-main/', pathNot: '\\.test\\.ts$' },
      to: { path: '^src-renderer/' },
    },
    {
      name: 'workspace-relative-import',
      comment: 'a workspace package reaches another one only by its package name, through the entry points its package.json exports (src-main/packages.test.ts checks those)',
      severity: 'error',
      from: { path: '^workspaces/([^/]+)/' },
      to: { path: '^workspaces/[^/]+/', pathNot: '^workspaces/$1/', dependencyTypesNot: ['aliased-workspace'] },
    },
    {
      name: 'spec-to-rewards',
      comment: 'the spec describes runs, including the reward methods\' parameters (reward-methods.ts); the methods in rewards depend on the spec, never the reverse',
      severity: 'error',
      from: { path: '^workspaces/spec/' },
      to: { path: '^workspaces/rewards/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // The hostile reward corpus is text the sandbox compiles, not modules of the repository (some of it is
    // built to overflow a parser's stack, the cruiser's included).
    exclude: { path: '(^|/)(node_modules|dist|dist-electron|release)/|^workspaces/runner/test/hostile/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    combinedDependencies: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], mainFields: ['module', 'main', 'types'] },
  },
};
