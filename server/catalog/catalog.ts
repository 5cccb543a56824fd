import { BUILT_IN_EVENT_TYPES, type CatalogEntry } from './built-in-types.js';
import { parseDeclarations, readCatalogFile } from './catalog-file.js';
import { type NamedShape, planPayload } from './graphql-shape.js';
import type { JsonSchema } from './json-schema.js';
import { type PayloadCheck, type PayloadCompiler, createPayloadCompiler } from './payload-validator.js';

export type { PayloadProblem } from './payload-validator.js';
export type { EnumShape, FieldShape, FieldType, NamedShape, ObjectShape } from './graphql-shape.js';

/** One declared event type. */
export interface DeclaredType {
  name: string;
  description?: string;
  /** From the server's defaults rather than the operator's catalog. */
  builtIn: boolean;
  /** The payload's JSON Schema, as declared. */
  payload: JsonSchema;
  /** The payload's GraphQL object type (a member of `EventData`); none when no properties are declared. */
  graphqlType?: string;
  /** The payload's problems against the declaration (compiled once, at load): empty when it conforms. */
  check: PayloadCheck;
}

/**
 * The event types a server knows: the built-in ones, and those of the operator's catalog (`EVENTS_CATALOG`).
 * Built once at start; the GraphQL schema is built from it and publishing validates against it.
 */
export interface EventCatalog {
  types: ReadonlyMap<string, DeclaredType>;
  /** The GraphQL object and enum types its payloads make, each once, in declaration order. */
  graphqlTypes: readonly NamedShape[];
  /** The file the operator's types came from; undefined for the defaults alone. */
  source?: string;
}

/** A catalog that does not load, with every problem found (configuration errors, listed at start). */
export class CatalogError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid event catalog:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'CatalogError';
  }
}

/**
 * Names the server's own schema uses, which no catalog type may take. tests/schema/schema.test.ts
 * fails when the schema gains a type that is not listed here.
 */
export const RESERVED_TYPE_NAMES = new Set(
  (
    'Actor ApiKey Boolean ChannelRule CreatedApiKey DateTime Event EventAudienceInput EventConnection EventData EventEdge EventMember EventOrganization Float ID InstanceFigures Int ' +
    'JSON LiveStats Membership Mutation Notification NotificationConnection NotificationUpdate Organization OrganizationStats ' +
    'PageInfo PresenceUpdate PresenceUpdateKind PresenceUser PublishError PublishEventInput PublishResult Query Role ' +
    'SafeInt ' +
    'SendNotificationInput ServerStats Session String Subscriber Subscription TransportCounts TypingState TypingUser Viewer'
  ).split(' '),
);

/** The built-in types alone: what a server runs with when `EVENTS_CATALOG` is unset. */
export const defaultCatalog = (): EventCatalog => buildCatalog({});

/** The built-in types plus the catalog file at `path`; throws a CatalogError listing every problem. */
export function loadCatalogFile(path: string): EventCatalog {
  const read = readCatalogFile(path);
  if (read.problems.length > 0) throw new CatalogError(read.problems);
  return createCatalog(read.json, path);
}

/** The built-in types plus the declarations in `json` (a parsed catalog file). */
export function createCatalog(json: unknown, source?: string): EventCatalog {
  const declared = parseDeclarations(json);
  if (declared.problems.length > 0) {
    // Go on with what parsed, so that the payloads' problems are listed in the same run.
    const rest = safely(() => buildCatalog(declared.entries, source));
    throw new CatalogError([...declared.problems, ...rest]);
  }
  return buildCatalog(declared.entries, source);
}

function buildCatalog(operator: Record<string, CatalogEntry>, source?: string): EventCatalog {
  const problems: string[] = [];
  const compile = createPayloadCompiler();
  const types = new Map<string, DeclaredType>();
  const named: Planned['named'] = [];
  for (const name of Object.keys({ ...BUILT_IN_EVENT_TYPES, ...operator })) {
    const entry = operator[name];
    const planned = entry ? declare(name, entry, `types[${JSON.stringify(name)}].payload`, compile) : builtIn(name);
    problems.push(...planned.problems);
    named.push(...planned.named);
    if (planned.declared) types.set(name, planned.declared);
  }
  const graphqlTypes = uniqueNames(named, problems);
  if (problems.length > 0) throw new CatalogError(problems);
  return { types, graphqlTypes, source };
}

interface Planned {
  declared?: DeclaredType;
  named: Array<{ shape: NamedShape; at: string }>;
  problems: string[];
}

function declare(name: string, entry: CatalogEntry, at: string, compile: PayloadCompiler, isBuiltIn = false): Planned {
  const plan = planPayload(name, entry.payload, at, entry.description);
  if (plan.problems.length > 0) return plan;
  try {
    const check = compile(entry.payload);
    const { description, payload } = entry;
    return { ...plan, declared: { name, description, builtIn: isBuiltIn, payload, graphqlType: plan.root, check } };
  } catch (err) {
    return { ...plan, problems: [`${at}: ${(err as Error).message}`] };
  }
}

/**
 * The built-in types, planned and compiled once per process (ajv compiles each schema to code, tens of
 * milliseconds for all of them) and shared by every catalog: their schemas never change.
 */
let builtIns: Map<string, Planned> | undefined;
function builtIn(name: string): Planned {
  if (!builtIns) {
    const compile = createPayloadCompiler();
    builtIns = new Map(
      Object.entries(BUILT_IN_EVENT_TYPES).map(([n, entry]) => [
        n,
        declare(n, entry, `built-in type "${n}": payload`, compile, true),
      ]),
    );
  }
  return builtIns.get(name)!;
}

/**
 * Each GraphQL name once: a shared `title` is one type when every schema that uses it makes the same shape
 * (descriptions aside), a conflict otherwise. No name may be one the server's schema already uses.
 */
function uniqueNames(named: Array<{ shape: NamedShape; at: string }>, problems: string[]): NamedShape[] {
  const byName = new Map<string, { shape: NamedShape; at: string; json: string }>();
  for (const { shape, at } of named) {
    if (RESERVED_TYPE_NAMES.has(shape.name)) {
      problems.push(`${at}: makes GraphQL type "${shape.name}", a name the server's schema already uses`);
      continue;
    }
    // Descriptions aside: the first declaration's describe a shared type.
    const json = JSON.stringify(shape, (key, value: unknown) => (key === 'description' ? undefined : value));
    const first = byName.get(shape.name);
    if (!first) byName.set(shape.name, { shape, at, json });
    else if (isRoot(shape) || isRoot(first.shape))
      problems.push(
        `${at}: makes GraphQL type "${shape.name}", and so does ${first.at} (type names that differ only in ".", "-" or "_" make the same GraphQL name; nested types must not take a payload type's name)`,
      );
    else if (first.json !== json)
      problems.push(
        `${at}: makes GraphQL type "${shape.name}", which ${first.at} makes differently (give one a different "title")`,
      );
  }
  return [...byName.values()].map((v) => v.shape);
}

const isRoot = (shape: NamedShape) => shape.kind === 'object' && shape.root;

function safely(build: () => unknown): string[] {
  try {
    build();
    return [];
  } catch (err) {
    return err instanceof CatalogError ? err.problems : [String(err)];
  }
}

/** An event's payload as its GraphQL object type resolves it (the value behind `Event.data`). */
export interface TypedPayload {
  graphqlType: string;
  fields: Record<string, unknown>;
}

/**
 * The typed view of an event's payload: null for a type without a GraphQL object type, and for a payload
 * that does not conform to its declaration now (stored before the type was declared, or declared
 * differently), so that a typed field never breaks its promise. `payload` keeps the data either way.
 */
export function typedPayload(catalog: EventCatalog, type: string, payload: unknown): TypedPayload | null {
  const declared = catalog.types.get(type);
  if (!declared?.graphqlType || payload === null || typeof payload !== 'object') return null;
  if (declared.check(payload).length > 0) return null;
  return { graphqlType: declared.graphqlType, fields: payload as Record<string, unknown> };
}
