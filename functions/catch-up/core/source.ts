/**
 * What the catch-up reads from ComplyCube: the list endpoints it pages through. Documents and
 * addresses are listed per client only, so the audit log says which clients to look at. The
 * adapter over the ComplyCube API client implements it; tests use an in-memory fake that changes
 * objects while a listing is under way.
 */

/** A ComplyCube object as the API returns it. Only the fields the catch-up reads are typed. */
export interface ApiObject {
  readonly id: string;
  readonly createdAt?: string;
  readonly updatedAt?: string;
  readonly [field: string]: unknown;
}

/** One entry of `GET /auditLogs`. */
export interface AuditLogEntry extends ApiObject {
  readonly resourceType?: string;
  readonly resourceId?: string;
  readonly clientId?: string;
  readonly action?: string;
}

/** The list endpoints the catch-up pages through; `documents` and `addresses` need `filters.clientId`. */
export type ListPath = 'checks' | 'clients' | 'workflowSessions' | 'auditLogs' | 'documents' | 'addresses';

/**
 * Query of one page. Times are ISO 8601. ComplyCube documents `updatedAfter`/`updatedBefore` and
 * `createdAfter`/`createdBefore` on every list; whether a bound is inclusive is not documented, so
 * the catch-up asks one millisecond wider and filters on its side.
 */
export interface ListQuery {
  readonly page: number;
  readonly pageSize: number;
  readonly updatedAfter?: string;
  readonly updatedBefore?: string;
  readonly createdAfter?: string;
  readonly createdBefore?: string;
  /** Filters of the endpoint, e.g. `resourceType` for audit logs. */
  readonly filters?: Readonly<Record<string, string>>;
}

/** One page of a list, as ComplyCube answers: newest `createdAt` first. */
export interface ListPage<T> {
  readonly items: readonly T[];
  readonly page: number;
  readonly pageSize: number;
  readonly pages: number;
  readonly totalItems: number;
}

/**
 * Reads ComplyCube. Implementations keep within the API's rate limit and retry `429` and `5xx`
 * themselves; what they throw is a failure the run stops on (and resumes from its cursor).
 */
export interface ComplyCubeReader {
  list(path: ListPath, query: ListQuery): Promise<ListPage<ApiObject>>;
}

/**
 * The audit log is not on every plan, and ComplyCube may refuse it for a key. An adapter throws
 * this when the endpoint answers 403 or 404, so the run can go on without it and say what it
 * could not recover.
 */
export class AuditLogUnavailableError extends Error {
  override readonly name = 'AuditLogUnavailableError';
}
