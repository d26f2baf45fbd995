/** An error a route answers with its own status and message (anything else is a 500 with no detail). */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly details?: unknown) {
    super(message)
  }
}
