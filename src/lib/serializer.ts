import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import fastJson from 'fast-json-stringify';
import { z } from 'zod';
import { $ZodType } from 'zod/v4/core';

type JsonSchema = Record<string, unknown>;

/**
 * `anyOf: [X, {type: 'null'}]` (zod's `.nullable()`) as `X` with `type: [t, 'null']`,
 * which fast-json-stringify serializes directly instead of validating each
 * branch at run time; annotations it does not need are dropped.
 */
function simplify(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(simplify);
  if (schema === null || typeof schema !== 'object') return schema;
  const s = schema as JsonSchema;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(s)) {
    if (['$schema', 'description', 'examples', 'pattern', 'title', 'id', '$id'].includes(key)) continue;
    if (key === 'properties' || key === 'definitions' || key === '$defs') {
      out[key] = Object.fromEntries(Object.entries(value as JsonSchema).map(([k, v]) => [k, simplify(v)]));
    } else {
      out[key] = simplify(value);
    }
  }
  const anyOf = out.anyOf as JsonSchema[] | undefined;
  if (Array.isArray(anyOf) && anyOf.length === 2) {
    const nullIndex = anyOf.findIndex((b) => b.type === 'null' && Object.keys(b).length === 1);
    const other = anyOf[1 - nullIndex];
    if (nullIndex !== -1 && other && typeof other.type === 'string' && !other.anyOf && !other.$ref) {
      delete out.anyOf;
      return { ...out, ...other, type: [other.type, 'null'] };
    }
  }
  return out;
}

function zodOf(maybeSchema: unknown): $ZodType | undefined {
  if (maybeSchema instanceof $ZodType) return maybeSchema;
  const properties = (maybeSchema as { properties?: unknown } | undefined)?.properties;
  return properties instanceof $ZodType ? properties : undefined;
}

/** The JSON Schema (draft-07) of a response's zod schema, as fast-json-stringify reads it. */
export function responseJsonSchema(schema: $ZodType): JsonSchema {
  const json = z.toJSONSchema(schema as z.ZodType, {
    target: 'draft-7',
    io: 'output',
    unrepresentable: 'any',
  }) as JsonSchema;
  return simplify(json) as JsonSchema;
}

/**
 * Responses are serialized by fast-json-stringify from the JSON Schema of the
 * route's zod response schema, compiled once per route and status: several
 * times faster than validating each answer with zod and then calling
 * JSON.stringify. Like zod's output schema it writes only the declared fields
 * (nothing undeclared can leak), and a missing required field is an error.
 * Shapes are checked where they are made: handlers are typed by the schemas.
 */
export const serializerCompiler: FastifySerializerCompiler<unknown> = ({ schema }) => {
  const zodSchema = zodOf(schema);
  if (!zodSchema) return (data) => JSON.stringify(data);
  const stringify = fastJson(responseJsonSchema(zodSchema) as unknown as Parameters<typeof fastJson>[0], {
    ajv: { strict: false },
  });
  return (data) => stringify(data);
};
