/**
 * Text for a failed policy request. The server answers a rejected body with
 * `{ error: 'invalid body', details: [{ path, message }] }`; the bare message
 * would not say which field to fix (e.g. a reason under 3 characters).
 */
export function describeError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  const details = (err as { details?: unknown } | null)?.details
  if (!Array.isArray(details)) return message
  const parts = details
    .filter((d): d is { path?: unknown; message: string } => typeof d === 'object' && d !== null && typeof (d as { message?: unknown }).message === 'string')
    .map((d) => (d.path ? `${String(d.path)}: ${d.message}` : d.message))
  return parts.length ? `${message} (${parts.join('; ')})` : message
}
