// `creditlab schema`: the spec's JSON Schema, for editors (`"$schema"` in a spec file).
import { experimentJsonSchema } from '@creditlab/spec';
import { EXIT, type CliIO } from '../io';

export async function schemaCommand(_argv: string[], io: CliIO): Promise<number> {
  io.out(JSON.stringify(experimentJsonSchema(), null, 2));
  return EXIT.ok;
}
