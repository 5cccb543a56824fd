import {
  JSON_TYPES,
  type JsonSchema,
  MAX_SAFE,
  SUPPORTED_KEYWORDS,
  isGraphQLEnumValue,
  isGraphQLName,
  isPlainObject,
  pascalCase,
  typesOf,
  unsupportedKeyword,
  upperFirst,
} from './json-schema.js';

export type ScalarName = 'String' | 'Float' | 'SafeInt' | 'Boolean' | 'JSON';

/** A field's GraphQL type, without its own nullability. Lists of lists are JSON. */
export type FieldType =
  | { kind: 'scalar'; name: ScalarName }
  | { kind: 'enum'; name: string }
  | { kind: 'object'; name: string }
  | { kind: 'list'; of: Exclude<FieldType, { kind: 'list' }>; itemsNullable: boolean };

export interface FieldShape {
  type: FieldType;
  nullable: boolean;
  description?: string;
  deprecated: boolean;
}

/** An object type the catalog makes; `root` for an event type's payload (the members of `EventData`). */
export interface ObjectShape {
  kind: 'object';
  name: string;
  root: boolean;
  description?: string;
  fields: Record<string, FieldShape>;
}

export interface EnumShape {
  kind: 'enum';
  name: string;
  values: string[];
}

export type NamedShape = ObjectShape | EnumShape;

export interface PayloadPlan {
  /** The payload's object type; undefined when the schema declares no properties (a free object). */
  root?: string;
  /** Every object and enum type it makes, the root included, with where each was declared. */
  named: Array<{ shape: NamedShape; at: string }>;
  problems: string[];
}

interface Walk {
  named: PayloadPlan['named'];
  problems: string[];
}

const JSON_FIELD = { type: { kind: 'scalar', name: 'JSON' }, nullable: true } as const;

/**
 * Plans the GraphQL types of one event type's payload schema, and lists every problem with it on the way
 * (`at` names the schema's place in the catalog file). The root is named from the event type
 * (`property.update` → `PropertyUpdatePayload`); nested objects and enums by their `title`, or by their
 * parent and property (`PropertyUpdatePayloadAddress`).
 */
export function planPayload(eventType: string, schema: unknown, at: string, description?: string): PayloadPlan {
  const walk: Walk = { named: [], problems: [] };
  if (!isPlainObject(schema)) {
    walk.problems.push(`${at}: must be a JSON Schema object`);
    return walk;
  }
  checkKeywords(schema, at, walk, true);
  const types = typesOf(schema).filter((t) => t !== 'null');
  if (types.length !== 1 || types[0] !== 'object') {
    walk.problems.push(
      `${at}: must be the schema of an object: "type": "object" (or ["object", "null"] to allow events without a payload)`,
    );
    return walk;
  }
  const name = `${pascalCase(eventType)}Payload`;
  const hasFields = isPlainObject(schema.properties) && Object.keys(schema.properties).length > 0;
  if (!hasFields) {
    checkRequired(schema, at, walk);
    checkAdditional(schema, at, walk);
    return walk;
  }
  objectShape(schema, at, name, true, walk);
  const root = walk.named.at(-1)!.shape as ObjectShape;
  root.description = `The payload of \`${eventType}\` events${description ? `: ${description}` : '.'}`;
  return { root: name, ...walk };
}

function fieldOf(schema: unknown, at: string, hint: string, walk: Walk): Omit<FieldShape, 'deprecated'> {
  if (!isPlainObject(schema)) {
    if (schema !== true) walk.problems.push(`${at}: must be a JSON Schema object`);
    return JSON_FIELD;
  }
  checkKeywords(schema, at, walk, false);
  const all = typesOf(schema);
  for (const t of all) if (!JSON_TYPES.has(t)) walk.problems.push(`${at}: "type" "${t}" is not a JSON Schema type`);
  const types = all.filter((t) => t !== 'null');
  let nullable = all.length === 0 || all.includes('null');
  const description = typeof schema.description === 'string' ? schema.description : undefined;
  const named = (fallback: string) => titleOf(schema, at, walk) ?? fallback;

  if (Array.isArray(schema.enum)) {
    const strings = schema.enum.filter((v): v is string => typeof v === 'string');
    const onlyStrings = strings.length > 0 && schema.enum.every((v) => typeof v === 'string' || v === null);
    if (onlyStrings && (types.length === 0 || (types.length === 1 && types[0] === 'string'))) {
      // Without "type", the enum's own values say whether null is allowed.
      nullable = all.includes('null') || schema.enum.includes(null);
      if (!strings.every(isGraphQLEnumValue)) return { type: scalar('String'), nullable, description };
      const name = named(hint);
      // The description is the field's: one enum may serve several fields (a shared "title").
      walk.named.push({ shape: { kind: 'enum', name, values: [...new Set(strings)] }, at });
      return { type: { kind: 'enum', name }, nullable, description };
    }
  }
  if (typeof schema.const === 'string') return { type: scalar('String'), nullable: all.includes('null'), description };
  if (types.length !== 1) return { type: scalar('JSON'), nullable, description };
  switch (types[0]) {
    case 'string':
      return { type: scalar('String'), nullable, description };
    case 'number':
      return { type: scalar('Float'), nullable, description };
    case 'integer':
      checkSafeBounds(schema, at, walk);
      return { type: scalar('SafeInt'), nullable, description };
    case 'boolean':
      return { type: scalar('Boolean'), nullable, description };
    case 'object': {
      if (!isPlainObject(schema.properties) || Object.keys(schema.properties).length === 0) {
        checkRequired(schema, at, walk);
        checkAdditional(schema, at, walk);
        return { type: scalar('JSON'), nullable, description };
      }
      const name = named(hint);
      objectShape(schema, at, name, false, walk);
      return { type: { kind: 'object', name }, nullable, description };
    }
    case 'array':
      return { type: listOf(schema, at, hint, walk), nullable, description };
    default:
      return { type: scalar('JSON'), nullable: true, description };
  }
}

function objectShape(schema: JsonSchema, at: string, name: string, root: boolean, walk: Walk): void {
  const properties = schema.properties as JsonSchema;
  const required = checkRequired(schema, at, walk);
  checkAdditional(schema, at, walk);
  const fields: Record<string, FieldShape> = {};
  for (const [key, sub] of Object.entries(properties)) {
    const where = `${at}.properties.${key}`;
    if (!isGraphQLName(key)) {
      walk.problems.push(
        `${where}: "${key}" is not a GraphQL field name (letters, digits and _, not starting with a digit or __)`,
      );
      continue;
    }
    const field = fieldOf(sub, where, name + upperFirst(key), walk);
    const deprecated = isPlainObject(sub) && sub.deprecated === true;
    fields[key] = { ...field, nullable: field.nullable || !required.includes(key), deprecated };
  }
  const description = typeof schema.description === 'string' ? schema.description : undefined;
  walk.named.push({ shape: { kind: 'object', name, root, description, fields }, at });
}

function listOf(schema: JsonSchema, at: string, hint: string, walk: Walk): FieldType {
  if (schema.items === undefined) return scalar('JSON');
  if (Array.isArray(schema.items)) {
    walk.problems.push(`${at}.items: must be one schema for every item (tuples are not supported)`);
    return scalar('JSON');
  }
  const item = fieldOf(schema.items, `${at}.items`, `${hint}Item`, walk);
  if (item.type.kind === 'list') return scalar('JSON');
  return { kind: 'list', of: item.type, itemsNullable: item.nullable };
}

function checkKeywords(schema: JsonSchema, at: string, walk: Walk, root: boolean): void {
  for (const keyword of Object.keys(schema)) {
    // `$schema` at the root only: editors like it, and every draft reads this subset alike.
    if (SUPPORTED_KEYWORDS.has(keyword) || (root && keyword === '$schema')) continue;
    walk.problems.push(`${at}: ${unsupportedKeyword(keyword)}`);
  }
  if (schema.properties !== undefined && !isPlainObject(schema.properties))
    walk.problems.push(`${at}.properties: must be an object of schemas`);
  if (schema.properties !== undefined && !typesOf(schema).includes('object'))
    walk.problems.push(`${at}: "properties" needs "type": "object"`);
}

function checkRequired(schema: JsonSchema, at: string, walk: Walk): string[] {
  if (schema.required === undefined) return [];
  const required = Array.isArray(schema.required) ? schema.required : [];
  if (!Array.isArray(schema.required) || !required.every((r) => typeof r === 'string')) {
    walk.problems.push(`${at}.required: must be a list of property names`);
    return [];
  }
  const declared = isPlainObject(schema.properties) ? Object.keys(schema.properties) : [];
  for (const r of required as string[])
    if (!declared.includes(r)) walk.problems.push(`${at}.required: "${r}" is not in "properties"`);
  return required as string[];
}

/** `additionalProperties` narrows validation only (GraphQL shows declared fields); its schema is checked too. */
function checkAdditional(schema: JsonSchema, at: string, walk: Walk): void {
  const extra = schema.additionalProperties;
  if (extra === undefined || typeof extra === 'boolean') return;
  fieldOf(extra, `${at}.additionalProperties`, 'Additional', { named: [], problems: walk.problems });
}

function checkSafeBounds(schema: JsonSchema, at: string, walk: Walk): void {
  for (const k of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'] as const) {
    const v = schema[k];
    if (typeof v === 'number' && Math.abs(v) > MAX_SAFE + (k.startsWith('exclusive') ? 1 : 0))
      walk.problems.push(`${at}.${k}: integers are GraphQL SafeInts, at most ±${MAX_SAFE}`);
  }
}

function titleOf(schema: JsonSchema, at: string, walk: Walk): string | undefined {
  if (schema.title === undefined) return undefined;
  if (typeof schema.title === 'string' && isGraphQLName(schema.title)) return schema.title;
  walk.problems.push(`${at}.title: names a GraphQL type, so it must be a GraphQL name like "PropertyAddress"`);
  return undefined;
}

const scalar = (name: ScalarName) => ({ kind: 'scalar', name }) as const;
