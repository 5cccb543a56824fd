import { type ArgumentNode, type DocumentNode, type ExecutionArgs, Kind, getOperationAST, print, visit } from 'graphql';

/** A document's shape for sharing: printed without its root field's arguments, and the variables it still uses. */
interface Shape {
  printed: string;
  /** Variables the selection uses below the root field (or in its directives), sorted; values are part of the key. */
  variables: readonly string[];
}

/**
 * Which subscribers can share an item's result: those whose operations select the same fields with the same
 * variables *below* the root field. The root field's arguments (organization, channels, types, subjects,
 * `after` ...) only choose the items, in the field's `subscribe`, per stream: every subscription field resolves
 * to its item as it is (`resolve: (item) => item`) and no field below reads who asked. So a thousand
 * organizations × five users with a filter each execute once per event, not once per subscriber (issue 18).
 *
 * A subscription field whose `resolve` read its arguments would break this; server/schema keeps them identity.
 */
export class ResultKeys {
  private readonly shapes = new WeakMap<DocumentNode, Map<string, Shape>>();

  keyOf(args: ExecutionArgs): string {
    const name = args.operationName ?? '';
    let byName = this.shapes.get(args.document);
    if (!byName) this.shapes.set(args.document, (byName = new Map()));
    let shape = byName.get(name);
    if (!shape) byName.set(name, (shape = shapeOf(args.document, args.operationName)));
    const values = args.variableValues ?? {};
    let key = `${name}\u0000${shape.printed}`;
    for (const v of shape.variables) key += `\u0000${JSON.stringify(values[v] ?? null)}`;
    return key;
  }
}

function shapeOf(document: DocumentNode, operationName: string | null | undefined): Shape {
  const operation = getOperationAST(document, operationName);
  const root = operation?.selectionSet.selections;
  // One root field, as validation requires of a subscription; anything else (a fragment spread at the root)
  // keeps every argument and variable in the key: correct, only less shared.
  const field = root?.length === 1 && root[0]?.kind === Kind.FIELD ? root[0] : undefined;
  const stripped = field
    ? visit(document, {
        Field: (node) => (node === field ? { ...node, arguments: [] as ArgumentNode[] } : undefined),
      })
    : document;
  const used = new Set<string>();
  visit(stripped, {
    VariableDefinition: () => false,
    Variable: (node) => void used.add(node.name.value),
  });
  return { printed: print(stripped), variables: [...used].sort() };
}
