export async function register() {
  // Edge runtime has no native modules; the store and ingest live in the Node runtime only.
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    // First, so every request is stamped with its socket address (lib/auth/peer-address.ts).
    const { installPeerStamp } = await import('./lib/auth/peer-address')
    installPeerStamp()
    const { startAppRuntime } = await import('./lib/runtime/app-runtime')
    await startAppRuntime()
  }
}
