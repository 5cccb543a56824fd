/**
 * The subset of JSON Schema a catalog's payloads are written in: the keywords that either map to a GraphQL
 * type or only narrow values (lengths, bounds, patterns), which validation checks and GraphQL need not show.
 * Anything else (`oneOf`, `$ref`, `format` …) is refused when the catalog loads, rather than validated by ajv
 * but silently missing from the GraphQL types.
 */
export type JsonSchema = { [keyword: string]: unknown };

export const SUPPORTED_KEYWORDS = new Set([
  // annotations
  'title',
  'description',
  '$comment',
  'examples',
  'default',
  'deprecated',
  // any value
  'type',
  'enum',
  'const',
  // objects
  'properties',
  'required',
  'additionalProperties',
  'minProperties',
  'maxProperties',
  // strings
  'minLength',
  'maxLength',
  'pattern',
  // numbers
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  // arrays
  'items',
  'minItems',
  'maxItems',
  'uniqueItems',
]);

/** Why a keyword is refused, for the ones people reach for most. */
const HINTS: Record<string, string> = {
  format: 'ajv checks no formats without a plugin: use "pattern"',
  oneOf: 'alternatives have no GraphQL type: declare one shape, or leave "type" out for any JSON',
  anyOf: 'alternatives have no GraphQL type: declare one shape, or leave "type" out for any JSON',
  allOf: 'write the combined properties out in one schema',
  not: 'alternatives have no GraphQL type',
  $ref: 'write the schema inline (a "title" names a shared GraphQL type)',
  $defs: 'write the schema inline (a "title" names a shared GraphQL type)',
  definitions: 'write the schema inline (a "title" names a shared GraphQL type)',
  $id: 'a catalog schema is not referenced from elsewhere',
};

/** The problem with a keyword outside the subset. */
export const unsupportedKeyword = (keyword: string) =>
  `"${keyword}" is not supported in catalog payloads (${HINTS[keyword] ?? 'it has no GraphQL counterpart'})`;

export const JSON_TYPES = new Set(['object', 'array', 'string', 'number', 'integer', 'boolean', 'null']);

export const isPlainObject = (v: unknown): v is JsonSchema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The schema's `type` as a list (empty when absent: any JSON value). */
export function typesOf(schema: JsonSchema): string[] {
  const t = schema.type;
  if (t === undefined) return [];
  return (Array.isArray(t) ? t : [t]).filter((x): x is string => typeof x === 'string');
}

/** GraphQL names (spec §2.1.9): types, fields and enum values; `__` is reserved for introspection. */
const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;
export const isGraphQLName = (s: string) => GRAPHQL_NAME.test(s) && !s.startsWith('__');
/** Enum values are names that are not `true`, `false` or `null`. */
export const isGraphQLEnumValue = (s: string) => isGraphQLName(s) && !['true', 'false', 'null'].includes(s);

/** `property.update` → `PropertyUpdate`; dots, dashes and underscores separate words. */
export const pascalCase = (eventType: string) =>
  eventType
    .split(/[._-]/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');

export const upperFirst = (s: string) => s[0]!.toUpperCase() + s.slice(1);

/** GraphQL's SafeInt range: what an `integer` may hold. */
export const MAX_SAFE = Number.MAX_SAFE_INTEGER;
