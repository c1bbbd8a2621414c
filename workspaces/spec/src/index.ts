export * from './schema';
export * from './errors';
export * from './resolve';
export * from './algos';
export * from './reward';
export * from './rlhf';
export * from './run-context';
export * from './json-schema';
