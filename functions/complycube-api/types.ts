/** The shapes the ComplyCube REST API exchanges, as far as this project relies on them. */

/** A webhook as `GET /webhooks/{id}` and `GET /webhooks` return it: never with its secret. */
export interface Webhook {
  readonly id: string;
  readonly url: string;
  readonly enabled: boolean;
  /** Event types, or `["*"]` for every type. */
  readonly events: readonly string[];
  readonly description?: string;
  readonly createdAt?: string;
  readonly updatedAt?: string;
}

/** The answer to `POST /webhooks`: the only time ComplyCube shows the secret. */
export interface CreatedWebhook extends Webhook {
  readonly secret: string;
}

export interface WebhookInput {
  /** Must be `https://`. */
  readonly url: string;
  readonly events: readonly string[];
  /** @default true */
  readonly enabled?: boolean;
  readonly description?: string;
}

/** A partial update: fields left out stay as they are. */
export type WebhookUpdate = Partial<WebhookInput>;

/** One page of a list, as every ComplyCube list endpoint answers. */
export interface Page<T> {
  readonly page: number;
  readonly pageSize: number;
  readonly totalItems: number;
  readonly pages: number;
  readonly items: readonly T[];
}

/** Paging and the time filters every list endpoint takes. Times are ISO 8601 strings or dates. */
export interface PageQuery {
  /** 1-based. @default 1 */
  readonly page?: number;
  /** 1 to 1000. @default 100 (ComplyCube's default) */
  readonly pageSize?: number;
  readonly createdAfter?: string | Date;
  readonly createdBefore?: string | Date;
  readonly updatedAfter?: string | Date;
  readonly updatedBefore?: string | Date;
}

export interface CheckFilters {
  readonly clientId?: string;
  readonly type?: string;
  readonly status?: string;
  readonly documentId?: string;
  readonly addressId?: string;
  readonly livePhotoId?: string;
  readonly liveVideoId?: string;
  readonly 'result.outcome'?: string;
}

export interface ClientFilters {
  readonly type?: string;
  readonly email?: string;
  /** `metadata.{key}` filters. */
  readonly [metadata: `metadata.${string}`]: string | undefined;
}

export interface AuditLogFilters {
  readonly memberId?: string;
  readonly resourceType?: string;
  readonly resourceId?: string;
  readonly clientId?: string;
  readonly trigger?: string;
  readonly action?: string;
}

export interface WorkflowSessionFilters {
  readonly clientId?: string;
  readonly workflowTemplateId?: string;
  readonly status?: string;
}

/** Documents and addresses are listed per client (`GET /clients/{clientId}/documents`). */
export interface PerClientFilters {
  readonly clientId: string;
  readonly type?: string;
}

/** What every listed object has; the rest is as ComplyCube sends it. */
export interface ApiObject {
  readonly id: string;
  readonly createdAt: string;
  readonly updatedAt?: string;
  readonly [field: string]: unknown;
}

/** The list endpoints the client knows, with the filters each takes. */
export interface ListFilters {
  readonly checks: CheckFilters;
  readonly clients: ClientFilters;
  readonly documents: PerClientFilters;
  readonly addresses: PerClientFilters;
  readonly auditLogs: AuditLogFilters;
  readonly workflowSessions: WorkflowSessionFilters;
}

export type ListableResource = keyof ListFilters;

export type ListQuery<R extends ListableResource> = PageQuery & ListFilters[R];

export const LISTABLE_RESOURCES: readonly ListableResource[] = [
  'checks',
  'clients',
  'documents',
  'addresses',
  'auditLogs',
  'workflowSessions',
];

/** The largest `pageSize` ComplyCube accepts. */
export const MAX_PAGE_SIZE = 1000;
