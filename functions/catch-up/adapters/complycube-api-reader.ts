import type { CallOptions, ComplyCubeClient } from '../../complycube-api/client.js';
import { ComplyCubeAuthError, ComplyCubeNotFoundError } from '../../complycube-api/errors.js';
import type { ListQuery as ClientListQuery, ListableResource } from '../../complycube-api/types.js';
import {
  type ApiObject,
  AuditLogUnavailableError,
  type ComplyCubeReader,
  type ListPage,
  type ListPath,
  type ListQuery,
} from '../core/source.js';

/**
 * The catch-up's reader on the project's ComplyCube client, which keeps within the rate limit and
 * retries `429`, `5xx` and network failures itself. A `403` or `404` from the audit log means the
 * account cannot read it: the run goes on without deletions, documents and addresses.
 */
export class ComplyCubeApiReader implements ComplyCubeReader {
  constructor(
    private readonly client: Pick<ComplyCubeClient, 'list'>,
    private readonly options: CallOptions = {},
  ) {}

  async list(path: ListPath, query: ListQuery): Promise<ListPage<ApiObject>> {
    const { filters, ...paging } = query;
    const clientQuery = { ...filters, ...paging } as ClientListQuery<ListableResource>;
    try {
      return await this.client.list(path, clientQuery, this.options);
    } catch (error) {
      const refused =
        (error instanceof ComplyCubeAuthError && error.status === 403) ||
        error instanceof ComplyCubeNotFoundError;
      if (path === 'auditLogs' && refused) {
        throw new AuditLogUnavailableError(
          `GET /auditLogs answered ${error.status ?? 'an error'}: this API key or plan cannot read the audit log`,
          { cause: error },
        );
      }
      throw error;
    }
  }
}
