/**
 * The inspector's HTTP side: the page (three static files, no build step, nothing from the
 * internet), a small JSON API over the delivery store, server-sent events for live updates, and the
 * two actions (send, resend).
 *
 * It listens on 127.0.0.1 only, and still treats every request as possibly hostile, because a web
 * page on any site can make the browser talk to loopback:
 * - the Host header must name this server (`127.0.0.1:<port>` or `localhost:<port>`), which defeats
 *   DNS rebinding (a hostile name resolved to 127.0.0.1 arrives with its own name as Host);
 * - an Origin, when sent, must be this server's, and `Sec-Fetch-Site: cross-site` is refused;
 * - a POST must carry the per-run token the page was served with (`x-inspector-token`) and a JSON
 *   content type, which no cross-site form or simple request can do.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { DEFAULT_INSPECTOR_PORT } from '../state.js';
import { ActionError, type InspectorActions, isSendMode } from './actions.js';
import type { DeliveryStore, StoreChange } from './delivery-store.js';

const MAX_POST_BYTES = 16 * 1024;
const HEARTBEAT_MS = 15_000;

/** A section of the page fed by something other than the delivery store (e.g. a provider emulator). */
export interface InspectorPanel {
  /** Stable, URL-safe: `complycube-webhook`. */
  readonly id: string;
  readonly title: string;
  /** What the panel shows now; read each time the page asks. */
  read(): Promise<PanelContent>;
}

export interface PanelContent {
  readonly rows: readonly { readonly label: string; readonly value: string }[];
  readonly note?: string;
}

export interface InspectorOptions {
  readonly store: DeliveryStore;
  readonly actions: InspectorActions;
  /** The receivers the stack serves, for the page's header. */
  readonly receivers: readonly { readonly provider: string; readonly url: string }[];
  /** Port to listen on; 0 for any free one. @default DEFAULT_INSPECTOR_PORT, or the next free one */
  readonly port?: number;
  /** Whether `port` must be used as given (fail when taken) rather than the next free one. @default false */
  readonly exactPort?: boolean;
  /** @default none */
  readonly panels?: readonly InspectorPanel[];
}

export interface RunningInspector {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

interface PageFiles {
  readonly html: string;
  readonly js: string;
  readonly css: string;
}

function readPage(): PageFiles {
  const file = (name: string): string => readFileSync(new URL(`./page/${name}`, import.meta.url), 'utf8');
  return { html: file('index.html'), js: file('inspector.js'), css: file('inspector.css') };
}

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

/**
 * Starts the inspector on loopback.
 *
 * @example
 * const inspector = await startInspector({ store, actions, receivers });
 * console.log(`Inspector: ${inspector.url}`);
 * await inspector.close();
 */
export async function startInspector(options: InspectorOptions): Promise<RunningInspector> {
  const page = readPage();
  const token = randomBytes(24).toString('hex');
  const streams = new Set<ServerResponse>();
  let port = 0;
  const server = createServer((request, response) => {
    handle(request, response, { options, page, token, port, streams }).catch((error: unknown) => {
      if (!response.headersSent) json(response, 500, { error: `The inspector failed: ${String(error)}` });
      else response.destroy();
    });
  });
  const unsubscribe = options.store.subscribe((change) => broadcast(streams, change));
  const heartbeat = setInterval(() => {
    for (const stream of streams) stream.write(': keep-alive\n\n');
  }, HEARTBEAT_MS);
  heartbeat.unref();
  port = await listenOn(server, options.port ?? DEFAULT_INSPECTOR_PORT, options.exactPort === true);
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    close: async () => {
      unsubscribe();
      clearInterval(heartbeat);
      for (const stream of streams) stream.end();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

interface Context {
  readonly options: InspectorOptions;
  readonly page: PageFiles;
  readonly token: string;
  readonly port: number;
  readonly streams: Set<ServerResponse>;
}

/** Why a request is refused before it is looked at, or `undefined` when it may go on. */
export function refusal(
  request: Pick<IncomingMessage, 'method' | 'headers'> & { readonly remoteAddress?: string | undefined },
  port: number,
  token: string,
): { readonly status: number; readonly message: string } | undefined {
  const remote = request.remoteAddress;
  if (remote !== undefined && !isLoopback(remote)) {
    return { status: 403, message: 'The inspector answers this machine only.' };
  }
  const hosts = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
  const host = (request.headers.host ?? '').toLowerCase();
  if (!hosts.includes(host)) {
    return {
      status: 421,
      message: `The inspector answers requests for ${hosts[0]} or ${hosts[1]} only (this one named '${host}'): open http://127.0.0.1:${port}/.`,
    };
  }
  const origin = request.headers.origin;
  if (origin !== undefined && !hosts.some((h) => origin.toLowerCase() === `http://${h}`)) {
    return { status: 403, message: 'Cross-origin requests are refused.' };
  }
  if (request.headers['sec-fetch-site'] === 'cross-site') {
    return { status: 403, message: 'Cross-site requests are refused.' };
  }
  if (request.method === 'POST') {
    const given = request.headers['x-inspector-token'];
    if (typeof given !== 'string' || !sameToken(given, token)) {
      return { status: 403, message: 'Missing or wrong x-inspector-token: reload the page.' };
    }
    const type = request.headers['content-type'] ?? '';
    if (!/^application\/json\b/i.test(type)) {
      return { status: 415, message: 'Actions take a JSON body (content-type: application/json).' };
    }
  }
  return undefined;
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(token, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

async function handle(request: IncomingMessage, response: ServerResponse, context: Context): Promise<void> {
  const problem = refusal(
    { method: request.method, headers: request.headers, remoteAddress: request.socket.remoteAddress },
    context.port,
    context.token,
  );
  if (problem !== undefined) {
    request.resume();
    json(response, problem.status, { error: problem.message });
    return;
  }
  const method = request.method ?? 'GET';
  const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
  const { options, page } = context;

  if (method === 'GET' || method === 'HEAD') {
    if (path === '/' || path === '/index.html') {
      send(
        response,
        200,
        'text/html; charset=utf-8',
        page.html.replace('__INSPECTOR_TOKEN__', context.token),
      );
      return;
    }
    if (path === '/inspector.js') {
      send(response, 200, 'text/javascript; charset=utf-8', page.js);
      return;
    }
    if (path === '/inspector.css') {
      send(response, 200, 'text/css; charset=utf-8', page.css);
      return;
    }
    if (path === '/favicon.ico') {
      response.writeHead(204, SECURITY_HEADERS).end();
      return;
    }
    if (path === '/api/state') {
      json(response, 200, {
        receivers: options.receivers,
        fixtures: options.actions.catalogue(),
        deliveries: options.store.list(),
        panels: (options.panels ?? []).map((panel) => ({ id: panel.id, title: panel.title })),
      });
      return;
    }
    if (path === '/api/events') {
      openStream(request, response, context.streams);
      return;
    }
    const delivery = /^\/api\/deliveries\/([^/]+)$/.exec(path);
    if (delivery?.[1] !== undefined) {
      const detail = options.store.detail(decodeURIComponent(delivery[1]));
      if (detail === undefined)
        json(response, 404, { error: 'No such delivery (or it is too old to keep).' });
      else json(response, 200, detail);
      return;
    }
    const panelPath = /^\/api\/panels\/([a-z0-9-]+)$/.exec(path);
    const panel = options.panels?.find((p) => p.id === panelPath?.[1]);
    if (panel !== undefined) {
      json(response, 200, await panel.read());
      return;
    }
  }

  if (method === 'POST') {
    const body = await readJson(request);
    if (body === undefined) {
      json(response, 400, { error: `The body must be a JSON object of at most ${MAX_POST_BYTES} bytes.` });
      return;
    }
    try {
      if (path === '/api/send') {
        const { provider, fixture, mode } = body;
        if (typeof provider !== 'string' || typeof fixture !== 'string' || !isSendMode(mode)) {
          json(response, 400, {
            error: 'Send takes {"provider": "...", "fixture": "...", "mode": "once" | "tampered" | "twice"}.',
          });
          return;
        }
        json(response, 200, { sent: await options.actions.send(provider, fixture, mode) });
        return;
      }
      const resend = /^\/api\/deliveries\/([^/]+)\/resend$/.exec(path);
      if (resend?.[1] !== undefined) {
        json(response, 200, { sent: [await options.actions.resend(decodeURIComponent(resend[1]))] });
        return;
      }
    } catch (error) {
      if (error instanceof ActionError) {
        json(response, error.statusCode, { error: error.message });
        return;
      }
      throw error;
    }
  }
  json(response, 404, { error: `No ${method} ${path} here.` });
}

function openStream(request: IncomingMessage, response: ServerResponse, streams: Set<ServerResponse>): void {
  response.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': 'text/event-stream; charset=utf-8',
    connection: 'keep-alive',
  });
  // Reconnect quickly after the stack restarts; the page reloads its state when it does.
  response.write('retry: 2000\n\n');
  streams.add(response);
  request.on('close', () => streams.delete(response));
}

function broadcast(streams: ReadonlySet<ServerResponse>, change: StoreChange): void {
  const frame = `event: ${change.kind}\ndata: ${JSON.stringify(change.summary)}\n\n`;
  for (const stream of streams) stream.write(frame);
}

function send(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type }).end(body);
}

function json(response: ServerResponse, status: number, value: unknown): void {
  send(response, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_POST_BYTES) return undefined;
    chunks.push(chunk);
  }
  try {
    const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Listens on 127.0.0.1: on `port` exactly, or on the first free one from it (then any). */
async function listenOn(server: Server, port: number, exact: boolean): Promise<number> {
  const attempt = (at: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => reject(error);
      server.once('error', onError);
      server.listen(at, '127.0.0.1', () => {
        server.off('error', onError);
        const address = server.address();
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error(`Could not read the inspector's port (${String(address)}).`));
      });
    });
  if (exact || port === 0) {
    return attempt(port).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        throw new Error(
          `Port ${port} on 127.0.0.1 is in use, so the inspector cannot listen there. Pick another with --inspector-port (0 takes any free port).`,
          { cause: error },
        );
      }
      throw error;
    });
  }
  for (let candidate = port; candidate < port + 20 && candidate <= 65_535; candidate++) {
    try {
      return await attempt(candidate);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    }
  }
  return attempt(0);
}
