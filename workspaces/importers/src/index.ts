// Importers of runs trained elsewhere: TensorBoard event files and CSV exports (Creditlab's own, W&B's).
export * from './plan';
export { planTensorboard, readRunFolder, decodeEvents, ImportSourceError, EventMessage } from './tensorboard';
export { readFolders } from './decode-pool';
export { ScalarDecoder, MalformedEventError } from './event-scalars';
export { planCsv } from './csv-import';
export { readRecords, scanRecords, frameRecord, crc32c, maskedCrc32c } from './tfrecord';
