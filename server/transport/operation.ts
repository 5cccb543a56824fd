import { type DocumentNode, type ExecutionArgs, GraphQLError, type GraphQLSchema, getOperationAST } from 'graphql';
import { parseFailed } from '../errors.js';

/** Yoga's envelope for one operation (`yoga.getEnveloped(context)`), as far as the transports use it. */
export interface Enveloped {
  schema: GraphQLSchema;
  parse(source: string): DocumentNode;
  validate(schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[];
  contextFactory(): unknown;
}

export interface OperationParams {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

/** An operation ready to execute or subscribe to, or the errors that refuse it. */
export type PreparedOperation = { args: ExecutionArgs; subscription: boolean } | readonly GraphQLError[];

/**
 * One operation through Yoga's envelope, for the transports that run operations themselves (graphql-ws and
 * single-connection SSE): parsed (a syntax error, or a query limit graphql-armor applies while parsing, is that
 * operation's error, with Yoga's code), validated, with its fresh context. Anything but a GraphQLError is thrown.
 */
export async function prepareOperation(enveloped: Enveloped, params: OperationParams): Promise<PreparedOperation> {
  let document: DocumentNode;
  try {
    document = enveloped.parse(params.query);
    const errors = enveloped.validate(enveloped.schema, document);
    if (errors.length > 0) return errors;
  } catch (err) {
    if (err instanceof GraphQLError) return [parseFailed(err)];
    throw err;
  }
  const args: ExecutionArgs = {
    schema: enveloped.schema,
    document,
    operationName: params.operationName,
    variableValues: params.variables,
    contextValue: await enveloped.contextFactory(),
  };
  return { args, subscription: getOperationAST(document, params.operationName)?.operation === 'subscription' };
}
