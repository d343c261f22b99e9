/**
 * The floor of the cold start: a handler that does nothing, bundled and loaded exactly as the
 * receiver is. No receiver can load faster; the bench reports ours above it.
 */
export async function handler(): Promise<{ statusCode: number; body: string }> {
  return { statusCode: 200, body: 'hello' };
}
