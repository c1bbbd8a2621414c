export * from './store';
export * from './export';
export { MIGRATIONS } from './migrations';
export { WorkspaceIndexError, INDEX_FILE } from './repair';
import { RunStore } from './store';
/** `creditlab doctor --repair`: rebuilds the workspace index from runs/ (see RunStore.repair). */
export const repairWorkspace = (root?: string) => RunStore.repair(root);
