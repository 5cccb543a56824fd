import { readFileSync } from 'node:fs';
import type { CatalogEntry } from './built-in-types.js';
import { NAME_PATTERN, isReservedType } from './event-names.js';
import { isPlainObject } from './json-schema.js';

/** The operator's declarations as read from the file, with every problem of its outer shape. */
export interface Declarations {
  entries: Record<string, CatalogEntry>;
  problems: string[];
}

const TOP_KEYS = new Set(['$schema', '$comment', 'description', 'types']);
const ENTRY_KEYS = new Set(['$comment', 'description', 'payload']);

/** Reads and parses a catalog file; its problems are listed, never thrown one at a time. */
export function readCatalogFile(path: string): { json?: unknown; problems: string[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { problems: [`cannot read the file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`] };
  }
  try {
    return { json: JSON.parse(text), problems: [] };
  } catch (err) {
    return { problems: [`not valid JSON: ${jsonErrorAt(text, (err as Error).message)}`] };
  }
}

/**
 * The catalog file's shape: `{ "types": { "<event type>": { "description": "…", "payload": { … } } } }`.
 * Names must be event type names, and none of the server's own.
 */
export function parseDeclarations(json: unknown): Declarations {
  const entries: Record<string, CatalogEntry> = {};
  const problems: string[] = [];
  if (!isPlainObject(json) || !isPlainObject(json.types)) {
    problems.push('must be an object with "types": { "<event type>": { "description": "…", "payload": { … } } }');
    return { entries, problems };
  }
  for (const key of Object.keys(json))
    if (!TOP_KEYS.has(key)) problems.push(`"${key}" is not a catalog field (expected "types", "description")`);
  for (const [name, entry] of Object.entries(json.types)) {
    const at = `types[${JSON.stringify(name)}]`;
    if (!NAME_PATTERN.test(name)) {
      problems.push(
        `${at}: not an event type name: lower-case words joined by dots, like "property.update" (at most 4 parts)`,
      );
      continue;
    }
    if (isReservedType(name)) {
      problems.push(`${at}: written by the server itself; its payload is built in and cannot be redefined`);
      continue;
    }
    if (!isPlainObject(entry)) {
      problems.push(`${at}: must be an object with "payload" (a JSON Schema) and an optional "description"`);
      continue;
    }
    for (const key of Object.keys(entry))
      if (!ENTRY_KEYS.has(key))
        problems.push(`${at}: "${key}" is not an entry field (expected "description", "payload")`);
    if (entry.description !== undefined && typeof entry.description !== 'string')
      problems.push(`${at}.description: must be a string`);
    if (entry.payload === undefined) {
      problems.push(`${at}: "payload" is required (the JSON Schema of the event's payload, an object)`);
      continue;
    }
    entries[name] = {
      description: typeof entry.description === 'string' ? entry.description : undefined,
      payload: entry.payload as CatalogEntry['payload'],
    };
  }
  return { entries, problems };
}

/**
 * V8's "… at position 42" (newer Node versions) made "… (line 3, column 7)", which an editor can go to. Node
 * 20's messages quote the text around the mistake instead, and are kept as they are.
 */
function jsonErrorAt(text: string, message: string): string {
  const m = /at position (\d+)/.exec(message);
  if (!m) return message;
  const before = text.slice(0, Number(m[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `${message.replace(/\s*\(line \d+ column \d+\)$/, '')} (line ${line}, column ${column})`;
}
