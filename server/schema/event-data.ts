import type { EnumRef, ObjectRef } from '@pothos/core';
import type { EventCatalog, FieldShape, FieldType, ObjectShape, TypedPayload } from '../catalog/catalog.js';
import type { Builder, Types } from './builder.js';

type Fields = Record<string, unknown>;
type Parent = TypedPayload | Fields;
type Refs = Map<string, ObjectRef<Types, Parent> | EnumRef<Types, string>>;

const DEPRECATED = 'Deprecated in the event catalog.';

/**
 * `EventData`, the union of the catalog's payload types (one per declared type with fields), and every object
 * and enum type they use (server/catalog/graphql-shape.ts plans them, with the mapping rules). A payload type
 * resolves from a `TypedPayload`; nested objects from the payload's own objects.
 */
export function addEventData(builder: Builder, catalog: EventCatalog) {
  const refs: Refs = new Map();
  const roots: Array<ObjectRef<Types, TypedPayload>> = [];
  for (const shape of catalog.graphqlTypes) {
    if (shape.kind === 'enum') {
      const values = Object.fromEntries(shape.values.map((v) => [v, { value: v }]));
      refs.set(shape.name, builder.enumType(shape.name, { values }) as EnumRef<Types, string>);
    } else {
      const ref = builder.objectRef<Parent>(shape.name);
      refs.set(shape.name, ref);
      // A payload type's parent is always a TypedPayload (Event.data makes it).
      if (shape.root) roots.push(ref as ObjectRef<Types, TypedPayload>);
    }
  }
  // Every ref exists before any fields are made, so object types may use each other in any order.
  for (const shape of catalog.graphqlTypes) if (shape.kind === 'object') implementObject(builder, shape, refs);
  if (roots.length === 0) throw new Error('the event catalog declares no payload fields (the built-ins do)');
  return builder.unionType('EventData', {
    description:
      "An event's payload typed by the server's event catalog: one member per declared type with payload fields.",
    types: roots,
    resolveType: (typed) => typed.graphqlType,
  });
}

function implementObject(builder: Builder, shape: ObjectShape, refs: Refs): void {
  const ref = refs.get(shape.name) as ObjectRef<Types, Parent>;
  // The payload type's parent is the TypedPayload that Event.data made; a nested object's is the object itself.
  const read = shape.root
    ? (parent: Parent, key: string) => (parent as TypedPayload).fields[key]
    : (parent: Parent, key: string) => (parent as Fields)[key];
  builder.objectType(ref, {
    description: shape.description,
    fields: (t) =>
      Object.fromEntries(
        Object.entries(shape.fields).map(([key, field]) => [
          key,
          t.field({
            type: typeParam(field.type, refs) as never,
            nullable: nullability(field) as never,
            description: field.description,
            deprecationReason: field.deprecated ? DEPRECATED : undefined,
            // Event.data checked the payload against its schema: what is there has the declared type.
            resolve: (parent) => (read(parent, key) ?? null) as never,
          }),
        ]),
      ),
  });
}

function typeParam(type: FieldType, refs: Refs): unknown {
  switch (type.kind) {
    case 'scalar':
      return type.name;
    case 'list':
      return [typeParam(type.of, refs)];
    default:
      return refs.get(type.name);
  }
}

const nullability = (field: FieldShape) =>
  field.type.kind === 'list' ? { list: field.nullable, items: field.type.itemsNullable } : field.nullable;
