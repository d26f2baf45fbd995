import { loadConfig } from '../lib/config'
import { enforcerOptions } from '../lib/enforcement/options'
import { startEnforcer } from '../lib/enforcement/service'

/**
 * `npm run enforcer`: the policy decision service a gateway calls per request
 * (nginx auth_request, Envoy ext_authz, Traefik forwardAuth). See docs/enforcer.md.
 * SIGTERM/SIGINT close the listener, the watches and the Kafka clients, then exit.
 */
async function main() {
  const options = enforcerOptions(loadConfig())
  const running = await startEnforcer(options)
  const h = running.health()
  console.log(
    `[enforcer] ${options.replica} listening on ${running.url}; policy ${h.ready ? `v${h.version}` : `NOT LOADED (${h.lastError ?? 'no answer'})`} from ${options.policyUrl}; fail ${options.failMode}`,
  )
  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) return
    stopping = true
    console.log(`[enforcer] ${signal}: stopping`)
    await running.stop()
    process.exit(0)
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))
  setInterval(() => {
    const s = running.health()
    console.log(
      `[enforcer] policy v${s.version} (age ${s.ageMs ?? '—'} ms, lag ${s.lagVersions}${s.stale ? ', STALE' : ''}); decisions ${JSON.stringify(s.decisions)}`,
    )
  }, 60_000).unref()
}

main().catch((err) => {
  console.error(`[enforcer] fatal: ${err instanceof Error ? err.message : err}`)
  process.exit(1)
})
