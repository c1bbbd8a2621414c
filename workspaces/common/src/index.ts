export * from './rng';
export * from './hash';
