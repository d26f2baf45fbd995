export async function register() {
  // Edge runtime has no native modules; the store and ingest live in the Node runtime only.
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { startAppRuntime } = await import('./lib/runtime/app-runtime')
    await startAppRuntime()
  }
}
