import { buildApp } from '../../src/app.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { testConfig } from './build-test-app.ts';

export interface OpenApiOperation {
  method: string;
  /** OpenAPI path, e.g. `/v1/persons/{id}`. */
  path: string;
  operation: Record<string, any>;
}

export type OpenApiDocument = Record<string, any> & { paths: Record<string, Record<string, Record<string, any>>> };

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/**
 * The OpenAPI document of an app that never touches its database (routes and
 * schemas only), for tests that need the list of operations before any app
 * of theirs is up — e.g. to declare one test per operation.
 */
export async function openapiDocument(): Promise<OpenApiDocument> {
  const app = await buildApp({
    config: testConfig('postgresql://openapi-only@127.0.0.1:1/none'),
    logger: createLogger('silent'),
  });
  await app.ready();
  const document = app.swagger() as unknown as OpenApiDocument;
  await app.close();
  return document;
}

/** Every operation of a document, in document order. */
export function operationsOf(document: OpenApiDocument): OpenApiOperation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.has(method))
      .map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })),
  );
}

/** Follows a local `$ref` (`#/components/schemas/Person`). */
export function resolveRef(document: OpenApiDocument, ref: string): Record<string, any> {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<any>((node, key) => node?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], document) as Record<string, any>;
}
