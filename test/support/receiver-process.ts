/**
 * The receiver in a process of its own, behind the local function URL server, so a test can kill
 * it mid-invocation the way Lambda loses a crashed execution environment. Configured like the
 * Lambda function, by environment; prints `READY <url>` on stderr when it serves.
 *
 * `CLOCK_OFFSET_MS` moves this process's clock (Date.now) ahead: a retry that ComplyCube would
 * send minutes later runs in a new process that lives minutes later.
 */
const offset = Number(process.env.CLOCK_OFFSET_MS ?? '0');
if (Number.isFinite(offset) && offset !== 0) {
  const realNow = Date.now;
  Date.now = () => realNow() + offset;
}

const { handler } = await import('../../functions/receiver/handler.js');
const { startFunctionUrlServer } = await import('../../local/function-url-server.js');
const server = await startFunctionUrlServer(handler);
process.stderr.write(`READY ${server.url}\n`);
