export * from './store';
export * from './export';
export { MIGRATIONS } from './migrations';
