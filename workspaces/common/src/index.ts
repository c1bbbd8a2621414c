export * from './rng';
export * from './hash';
export * from './file-name';
export * from './description';
export * from './csv';
