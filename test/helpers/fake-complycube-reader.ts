/**
 * ComplyCube's lists in memory, with the contract the catch-up relies on (and the ComplyCube API
 * emulator serves over HTTP): newest `createdAt` first, paged by number, strict time bounds,
 * `clientId` for documents and addresses. `beforeList` runs before each answer, so a test can
 * change objects while a listing is under way; `failNext` fails the next request.
 */
import type {
  ApiObject,
  AuditLogEntry,
  ComplyCubeReader,
  ListPage,
  ListPath,
  ListQuery,
} from '../../functions/catch-up/core/source.js';

type Stored = Record<string, unknown> & { id: string; createdAt: string; updatedAt: string };

export class FakeComplyCubeReader implements ComplyCubeReader {
  readonly objects: Record<Exclude<ListPath, 'auditLogs'>, Map<string, Stored>> = {
    checks: new Map(),
    clients: new Map(),
    workflowSessions: new Map(),
    documents: new Map(),
    addresses: new Map(),
  };
  readonly auditLogs: AuditLogEntry[] = [];
  readonly calls: { readonly path: ListPath; readonly query: ListQuery }[] = [];
  beforeList: ((path: ListPath, query: ListQuery) => void) | undefined;
  private readonly failures: unknown[] = [];
  private sequence = 0;

  failNext(error: unknown): void {
    this.failures.push(error);
  }

  /** Adds or replaces an object. */
  put(path: Exclude<ListPath, 'auditLogs'>, object: Stored): Stored {
    this.objects[path].set(object.id, object);
    return object;
  }

  /** Changes an object: new fields and a new `updatedAt`. */
  update(
    path: Exclude<ListPath, 'auditLogs'>,
    id: string,
    fields: Record<string, unknown>,
    at: string,
  ): void {
    const old = this.objects[path].get(id);
    if (old === undefined) throw new Error(`no ${path} ${id}`);
    this.objects[path].set(id, { ...old, ...fields, updatedAt: at });
  }

  delete(path: Exclude<ListPath, 'auditLogs'>, id: string): void {
    this.objects[path].delete(id);
  }

  audit(entry: Omit<AuditLogEntry, 'id'>): void {
    this.auditLogs.push({ id: `audit-${++this.sequence}`, ...entry });
  }

  async list(path: ListPath, query: ListQuery): Promise<ListPage<ApiObject>> {
    this.calls.push({ path, query });
    if (this.failures.length > 0) throw this.failures.shift();
    this.beforeList?.(path, query);
    const all: ApiObject[] = path === 'auditLogs' ? [...this.auditLogs] : [...this.objects[path].values()];
    const filtered = all.filter((o) => {
      for (const [name, value] of Object.entries(query.filters ?? {})) if (o[name] !== value) return false;
      return (
        after(o.createdAt, query.createdAfter) &&
        before(o.createdAt, query.createdBefore) &&
        after(o.updatedAt, query.updatedAfter) &&
        before(o.updatedAt, query.updatedBefore)
      );
    });
    filtered.sort((a, b) => Date.parse(String(b.createdAt)) - Date.parse(String(a.createdAt)));
    const start = (query.page - 1) * query.pageSize;
    return {
      items: filtered.slice(start, start + query.pageSize),
      page: query.page,
      pageSize: query.pageSize,
      totalItems: filtered.length,
      pages: Math.max(1, Math.ceil(filtered.length / query.pageSize)),
    };
  }
}

function after(value: unknown, bound: string | undefined): boolean {
  return bound === undefined || (typeof value === 'string' && Date.parse(value) > Date.parse(bound));
}

function before(value: unknown, bound: string | undefined): boolean {
  return bound === undefined || (typeof value === 'string' && Date.parse(value) < Date.parse(bound));
}
