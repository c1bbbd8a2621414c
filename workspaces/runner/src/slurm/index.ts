export * from './commands';
export * from './options';
export * from './script';
export * from './states';
export * from './ingest';
export * from './executor';
export * from './doctor';
