// Validate at the domain boundary: a verb takes unknown input and sees only what its schema allows.
import type { z } from "zod";

export function fn<S extends z.ZodType, R>(schema: S, cb: (input: z.output<S>) => R) {
  const wrapped = (input: z.input<S>): R => cb(schema.parse(input));
  wrapped.schema = schema;
  return wrapped;
}
