import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { NoSchemaIntrospectionCustomRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export interface ProtectionOptions {
  introspection: boolean;
  /** Hide "Did you mean …" suggestions, which reveal the schema when introspection is off. */
  hideSuggestions: boolean;
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxCost: number;
  maxDirectives: number;
}

/**
 * Query limits (graphql-armor), introspection switch and CSRF prevention. The first two act in Yoga's
 * parse and validate phases, which graphql-ws operations go through as well (transport/ws.ts), so they
 * protect every transport; a rejected operation gets an error, never a closed socket.
 */
export function useProtections(o: ProtectionOptions): Plugin[] {
  return [
    EnvelopArmorPlugin({
      maxDepth: { n: o.maxDepth },
      maxAliases: { n: o.maxAliases },
      maxTokens: { n: o.maxTokens },
      costLimit: { maxCost: o.maxCost },
      maxDirectives: { n: o.maxDirectives },
      blockFieldSuggestion: { enabled: o.hideSuggestions },
    }) as Plugin,
    ...(o.introspection ? [] : [useNoIntrospection()]),
    // Browsers send `authorization` only after a CORS preflight, so it marks a request as not forged,
    // like the custom header that GET requests from other clients can send instead.
    useCSRFPrevention({ requestHeaders: ['x-graphql-csrf', 'authorization'] }),
  ];
}

/** Yoga's disable-introspection plugin looks at the HTTP request; this validation rule covers WebSockets too. */
function useNoIntrospection(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}
