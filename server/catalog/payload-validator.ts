import { Ajv, type ErrorObject } from 'ajv';
import { type JsonSchema, MAX_SAFE, isPlainObject, typesOf } from './json-schema.js';

/** One thing wrong with a payload: where (`payload.address.city`) and what was expected. */
export interface PayloadProblem {
  path: string;
  message: string;
}

/** Checks one payload against its declaration; empty when it conforms. */
export type PayloadCheck = (payload: unknown) => PayloadProblem[];

/** Compiles one payload schema into its check; throws ajv's own error for a schema it refuses. */
export type PayloadCompiler = (schema: JsonSchema) => PayloadCheck;

/** At most this many problems are reported for one payload: enough to fix it, never a wall of text. */
const MAX_PROBLEMS = 10;

/**
 * A compiler of payload schemas into checks, for one catalog: each schema is compiled once, when the catalog
 * loads, into ajv's generated code. Throws ajv's own error for a schema it refuses.
 */
export function createPayloadCompiler(): PayloadCompiler {
  const ajv = new Ajv({
    // Strict: a keyword ajv does not know, or `required` naming an undeclared property, is a catalog error.
    strict: true,
    // `"type": ["string", "null"]` is how a catalog says "nullable".
    allowUnionTypes: true,
    // Every mismatch in one answer (payloads are at most 32 KiB, so the full pass stays cheap).
    allErrors: true,
    // parentSchema on each error: the declared fields named in an "additional property" problem.
    verbose: true,
  });
  return (schema) => {
    const validate = ajv.compile(forValidation(schema) as JsonSchema);
    return (payload) => (validate(payload) ? [] : problemsOf(validate.errors ?? []));
  };
}

/**
 * The schema ajv compiles: `$schema` dropped (the subset reads the same in every draft), and every `integer`
 * without bounds bounded to GraphQL's SafeInt range, so a stored integer always serializes.
 */
function forValidation(schema: unknown): unknown {
  if (!isPlainObject(schema)) return schema;
  const { $schema: _draft, ...out } = schema;
  if (isPlainObject(out.properties))
    out.properties = Object.fromEntries(Object.entries(out.properties).map(([k, v]) => [k, forValidation(v)]));
  if (out.items !== undefined) out.items = forValidation(out.items);
  if (isPlainObject(out.additionalProperties)) out.additionalProperties = forValidation(out.additionalProperties);
  if (typesOf(out).includes('integer') && !typesOf(out).includes('number')) {
    if (out.maximum === undefined && out.exclusiveMaximum === undefined) out.maximum = MAX_SAFE;
    if (out.minimum === undefined && out.exclusiveMinimum === undefined) out.minimum = -MAX_SAFE;
  }
  return out;
}

function problemsOf(errors: ErrorObject[]): PayloadProblem[] {
  const seen = new Set<string>();
  const problems: PayloadProblem[] = [];
  for (const e of errors) {
    const p = problemOf(e);
    const key = `${p.path} ${p.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(p);
    if (problems.length === MAX_PROBLEMS) break;
  }
  return problems;
}

/** ajv's error in the words of the API: the field's path from `payload`, and what it must be. */
function problemOf(e: ErrorObject): PayloadProblem {
  const path = pathOf(e.instancePath);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'type':
      return { path, message: `must be ${String(params.type).split(',').join(' or ')}` };
    case 'required': {
      const missing = String(params.missingProperty);
      const declared = isPlainObject(e.parentSchema?.properties) ? e.parentSchema.properties[missing] : undefined;
      const expected = isPlainObject(declared) ? typesOf(declared).filter((t) => t !== 'null') : [];
      const suffix = expected.length ? ` (${expected.join(' or ')})` : '';
      return { path: `${path}${segment(missing)}`, message: `is required${suffix}` };
    }
    case 'additionalProperties': {
      const declared = isPlainObject(e.parentSchema?.properties) ? Object.keys(e.parentSchema.properties) : [];
      const list = declared.length ? `declared: ${declared.join(', ')}` : 'no fields are declared';
      return {
        path: `${path}${segment(String(params.additionalProperty))}`,
        message: `is not a declared field (${list})`,
      };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).slice(0, 20).map((v) => JSON.stringify(v));
      return { path, message: `must be one of ${allowed.join(', ')}` };
    }
    case 'const':
      return { path, message: `must be ${JSON.stringify(params.allowedValue)}` };
    default:
      return { path, message: e.message ?? `fails "${e.keyword}"` };
  }
}

/** `/address/city` → `payload.address.city`; `/tags/0` → `payload.tags[0]`; odd names quoted. */
function pathOf(pointer: string): string {
  if (pointer === '') return 'payload';
  const parts = pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  return `payload${parts.map((p) => (/^\d+$/.test(p) ? `[${p}]` : segment(p))).join('')}`;
}

const segment = (name: string) =>
  /^[_A-Za-z][_0-9A-Za-z]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name.slice(0, 64))}]`;
