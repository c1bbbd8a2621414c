// Importers of runs trained elsewhere: TensorBoard event files and CSV exports (Creditlab's own, W&B's).
export * from './plan';
export { planTensorboard, decodeEvents, scalarOfTensor, ImportSourceError, EventMessage } from './tensorboard';
export { planCsv } from './csv-import';
export { readRecords, frameRecord, maskedCrc32c } from './tfrecord';
