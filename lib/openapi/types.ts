/**
 * A deliberately loose OpenAPI document type (3.0 and 3.1 share it): the kit reads and
 * writes only paths, operations, responses, security and components, and leaves the rest
 * as the generator wrote it.
 */
import type { SecurityRequirement } from './security.js';

/** `info` of an OpenAPI document (`title` and `version` are required). */
export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
  [extension: string]: unknown;
}

/** An operation object (only the fields the kit touches are typed). */
export interface OpenApiOperation {
  operationId?: string;
  summary?: string;
  security?: SecurityRequirement[];
  responses?: Record<string, unknown>;
  [field: string]: unknown;
}

/** An OpenAPI 3.0 or 3.1 document. */
export interface OpenApiDocument {
  openapi: string;
  info: OpenApiInfo;
  paths?: Record<string, Record<string, unknown>>;
  components?: Record<string, Record<string, unknown> | undefined>;
  security?: SecurityRequirement[];
  [field: string]: unknown;
}

/** HTTP methods whose path-item entries are operations. */
export const OPERATION_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace', 'query'] as const;
