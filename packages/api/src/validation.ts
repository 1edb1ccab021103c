import { Errors, type HubError } from '@hub/errors';
import type { FastifySchemaCompiler } from 'fastify';
import { z } from 'zod';

/**
 * Route schemas are written once in zod. {@link jsonSchema} turns one into the JSON schema fastify and
 * @fastify/swagger see (so every route is documented in `/openapi.json`), and remembers the zod source;
 * {@link zodValidatorCompiler} then validates with zod rather than ajv, so a 400 names the field with the
 * same paths and reasons the config file loader uses, and zod's coercion/defaults apply.
 */

const sources = new WeakMap<object, z.ZodType>();

/** JSON Schema (draft-07, input shape: defaults optional) of `doc`; validation runs `validate` (default: `doc`). */
export function jsonSchema(doc: z.ZodType, validate: z.ZodType = doc): Record<string, unknown> {
  const j = z.toJSONSchema(doc, { target: 'draft-7', io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  delete j.$schema;
  sources.set(j, validate);
  return j;
}

/** One problem with a request, as returned in `details.issues`. */
export interface FieldIssue {
  /** Dotted path inside the request part (`smpp.systemId`, `filters.0.type`); `(root)` for the whole part. */
  readonly path: string;
  readonly reason: string;
}

/** zod issues as {@link FieldIssue}s (at most 20). */
export function fieldIssues(error: z.ZodError, prefix = ''): FieldIssue[] {
  return error.issues.slice(0, 20).map((i) => {
    const path = [prefix, ...i.path.map(String)].filter((p) => p !== '').join('.');
    return { path: path === '' ? '(root)' : path, reason: i.message };
  });
}

/** `HUB_ERR_VALIDATION` naming the first bad field (`Invalid smpp.systemId: …`) with every issue in `details`. */
export function validationError(issues: readonly FieldIssue[], where?: string): HubError {
  const first = issues[0] ?? { path: '(root)', reason: 'invalid' };
  return new Errors.HUB_ERR_VALIDATION(first.path, first.reason, {
    details: { field: first.path, ...(where === undefined ? {} : { in: where }), issues },
  });
}

/** Parses `input` with `schema`; throws {@link validationError} (400) with paths under `prefix`. */
export function parseOr400<T>(schema: z.ZodType<T>, input: unknown, prefix = '', where?: string): T {
  const r = schema.safeParse(input);
  if (!r.success) throw validationError(fieldIssues(r.error, prefix), where);
  return r.data;
}

/**
 * Fastify validator compiler for schemas built by {@link jsonSchema}. A route schema built any other way
 * is a programming error and fails at startup.
 */
export const zodValidatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart, url }) => {
  const source = sources.get(schema as object);
  if (source === undefined)
    throw new Error(`schema of ${url} (${httpPart ?? '?'}) was not built with jsonSchema()`);
  return (data: unknown) => {
    // Fastify hands an absent body over as null.
    const r = source.safeParse(data === null ? undefined : data);
    if (r.success) return { value: r.data };
    return { error: validationError(fieldIssues(r.error), httpPart) };
  };
};
