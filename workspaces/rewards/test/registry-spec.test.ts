// The reward methods' parameters are declared by the spec (@creditlab/spec, reward-methods.ts) and the
// methods are implemented here: the registry must name exactly the spec's methods, in the spec's order,
// each entry carrying the spec's own schema object (not a copy that could drift).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SHAPING_SCHEMAS, TRANSFORM_SCHEMAS, ShapingEntrySchema as SpecShaping } from '@creditlab/spec';
import { SHAPING_METHODS, TRANSFORM_METHODS, ShapingEntrySchema, methodCatalog } from '@creditlab/rewards';

const typeOf = (schema: unknown) => (schema as { shape: { type: { value: unknown } } }).shape.type.value;

test('the registry implements every method the spec declares, in its order, with the same schema objects', () => {
  assert.equal(SHAPING_METHODS.length, SHAPING_SCHEMAS.length);
  assert.equal(TRANSFORM_METHODS.length, TRANSFORM_SCHEMAS.length);
  SHAPING_METHODS.forEach((m, i) => assert.equal(m.schema, SHAPING_SCHEMAS[i], m.type));
  TRANSFORM_METHODS.forEach((m, i) => assert.equal(m.schema, TRANSFORM_SCHEMAS[i], m.type));
  // Each method's `type` is its schema's literal.
  for (const m of [...SHAPING_METHODS, ...TRANSFORM_METHODS]) assert.equal(typeOf(m.schema), m.type);
  assert.equal(ShapingEntrySchema, SpecShaping, 'the registry re-exports the spec\'s union');
  assert.equal(methodCatalog().length, SHAPING_SCHEMAS.length + TRANSFORM_SCHEMAS.length);
});
