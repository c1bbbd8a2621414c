// A slim Monaco: the core API, the editor features a researcher expects, JSON (spec) and TypeScript
// (reward) only. Everything, workers included, is bundled: nothing loads from a CDN.
import * as monaco from 'monaco-editor/editor/editor.api';
import 'monaco-editor/features/codicon/register';
import 'monaco-editor/features/hover/register';
import 'monaco-editor/features/suggest/register';
import 'monaco-editor/features/parameterHints/register';
import 'monaco-editor/features/gotoError/register';
import 'monaco-editor/features/codeAction/register';
import 'monaco-editor/features/bracketMatching/register';
import 'monaco-editor/features/folding/register';
import 'monaco-editor/features/find/register';
import 'monaco-editor/features/comment/register';
import 'monaco-editor/features/linesOperations/register';
import 'monaco-editor/features/wordHighlighter/register';
import 'monaco-editor/features/wordOperations/register';
import 'monaco-editor/features/contextmenu/register';
import 'monaco-editor/features/clipboard/register';
import 'monaco-editor/features/format/register';
import 'monaco-editor/features/multicursor/register';
import 'monaco-editor/features/snippet/register';
import 'monaco-editor/features/smartSelect/register';
import 'monaco-editor/features/indentation/register';
import 'monaco-editor/features/cursorUndo/register';
import 'monaco-editor/features/diffEditor/register';
// The diff editor's contributions (breadcrumbs, code lens, drag-and-drop) ask for these services; the
// feature registers do not bring them, and without them every createDiffEditor logs unknown-service errors.
import 'monaco-editor/editor/contrib/documentSymbols/browser/outlineModel';
import 'monaco-editor/editor/contrib/codelens/browser/codeLensCache';
import 'monaco-editor/editor/common/services/treeViewsDndService';
// Feature registers above cover the contributions' UI; these controllers are wired separately, as in
// monaco's own editor.main (without them: no suggest widget, no F8 marker status, no go-to commands).
import 'monaco-editor/editor/browser/coreCommands';
import 'monaco-editor/editor/contrib/suggest/browser/suggestController';
import 'monaco-editor/editor/contrib/find/browser/findController';
import 'monaco-editor/editor/contrib/gotoSymbol/browser/goToCommands';
import 'monaco-editor/editor/contrib/gotoError/browser/markerSelectionStatus';
import 'monaco-editor/editor/contrib/semanticTokens/browser/documentSemanticTokens';
import 'monaco-editor/editor/contrib/caretOperations/browser/caretOperations';
import 'monaco-editor/editor/common/standaloneStrings';
import { jsonDefaults } from 'monaco-editor/languages/features/json/register';
import { typescriptDefaults, ScriptTarget, ModuleKind } from 'monaco-editor/languages/features/typescript/register';
// The language feature registers above give diagnostics and completions; this one gives the TypeScript
// grammar (colours), and without it the TS worker is never started for the model.
import 'monaco-editor/languages/definitions/typescript/register';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import JsonWorker from 'monaco-editor/language/json/json.worker?worker';
import TsWorker from 'monaco-editor/language/typescript/ts.worker?worker';

(globalThis as { MonacoEnvironment?: monaco.Environment }).MonacoEnvironment = {
  getWorker(_id: string, label: string) {
    if (label === 'json') return new JsonWorker();
    if (label === 'typescript' || label === 'javascript') return new TsWorker();
    return new EditorWorker();
  },
};

export const SPEC_MODEL_URI = monaco.Uri.parse('file:///experiment.json');
export const REWARD_MODEL_URI = monaco.Uri.parse('file:///reward.ts');
const SPEC_SCHEMA_URI = 'creditlab://schema/experiment.json';

let configured = false;
/** Loads the spec schema and the reward API declarations; called once editorSupport() answered. */
export function configureLanguages(support: { specSchema: unknown; rewardApiDts: string }): void {
  if (configured) return;
  configured = true;
  jsonDefaults.setDiagnosticsOptions({
    validate: true,
    allowComments: false,
    enableSchemaRequest: false,
    schemas: [{ uri: SPEC_SCHEMA_URI, fileMatch: [SPEC_MODEL_URI.toString()], schema: support.specSchema as object }],
  });
  typescriptDefaults.setCompilerOptions({
    target: ScriptTarget.ES2020,
    module: ModuleKind.ESNext,
    strict: true,
    noEmit: true,
    allowNonTsExtensions: true,
    // The sandbox has no DOM: keep `document` and friends out of completions.
    lib: ['es2020'],
  });
  typescriptDefaults.setDiagnosticsOptions({ noSemanticValidation: false, noSyntaxValidation: false });
  typescriptDefaults.addExtraLib(support.rewardApiDts, 'file:///creditlab/reward-api.d.ts');
  typescriptDefaults.setEagerModelSync(true);
}

const lightTheme = 'creditlab-light';
const darkTheme = 'creditlab-dark';
monaco.editor.defineTheme(lightTheme, {
  base: 'vs',
  inherit: true,
  rules: [],
  colors: { 'editor.background': '#ffffff', 'editorGutter.background': '#fafbfc', 'editorLineNumber.foreground': '#a0a7b4' },
});
monaco.editor.defineTheme(darkTheme, {
  base: 'vs-dark',
  inherit: true,
  rules: [],
  colors: { 'editor.background': '#14171c', 'editorGutter.background': '#14171c', 'editorLineNumber.foreground': '#4b5363' },
});
export function setMonacoTheme(dark: boolean): void {
  monaco.editor.setTheme(dark ? darkTheme : lightTheme);
}

export { monaco };
