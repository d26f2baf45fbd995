/**
 * The one domain error: a refusal the caller can act on, carrying the HTTP status a route answers
 * with and its own message (any other error is a 500 with no detail). Domain code (lib/policy,
 * lib/auth ...) throws it; lib/http/route.ts turns it into the response. It lives at the bottom
 * so domain folders need not import the HTTP layer for it.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message)
  }
}
