/**
 * graphql-codegen configuration for the web client (typed urql hooks from schema.graphql and the
 * operations in web/src). A stub until the web-client issue adds web/src and the codegen packages.
 */
const config = {
  schema: 'schema.graphql',
  documents: ['web/src/**/*.{ts,tsx}'],
  generates: {
    'web/src/gql/': { preset: 'client' },
  },
};

export default config;
