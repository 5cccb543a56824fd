import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the web client: reads the schema printed with the demo event catalog
 * (web/schema.demo.graphql, from web/catalog.demo.json by `npm run schema`) and the operations in web/src,
 * writes web/src/gql/ (client preset). `npm run codegen` regenerates; a test fails when it is stale.
 */
const config: CodegenConfig = {
  schema: 'web/schema.demo.graphql',
  documents: ['web/src/**/*.{ts,tsx}', '!web/src/gql/**/*'],
  ignoreNoDocuments: false,
  generates: {
    'web/src/gql/': {
      preset: 'client',
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', JSON: 'unknown', SafeInt: 'number' },
      },
      presetConfig: { fragmentMasking: false },
    },
  },
};

export default config;
