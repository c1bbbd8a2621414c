export * from './types';
export * from './cartpole';
export * from './registry';
