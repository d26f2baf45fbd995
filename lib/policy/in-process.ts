import { PolicyEnforcer } from './enforcer'
import type { PolicyService } from './service'

/**
 * The embedded default has no Kafka: an enforcer in the app process follows
 * the policy service directly. It gets the current policy once it is loaded,
 * then every committed change synchronously, in commit order.
 */
export function attachEnforcer(
  service: PolicyService,
  enforcer = new PolicyEnforcer(),
): { enforcer: PolicyEnforcer; ready: Promise<void>; detach: () => void } {
  const pending: Parameters<Parameters<PolicyService['onChange']>[0]>[0][] = []
  let loaded = false
  const detach = service.onChange((change) => {
    if (loaded) enforcer.applyChange(change.version, change.rules)
    else pending.push(change)
  })
  const ready = service.ready().then(() => {
    enforcer.applySnapshot(service.current())
    for (const c of pending) if (c.version > enforcer.version) enforcer.applyChange(c.version, c.rules)
    loaded = true
  })
  return { enforcer, ready, detach }
}

const KEY = Symbol.for('burnrate.policy.enforcer')
type G = typeof globalThis & { [KEY]?: Map<PolicyService, ReturnType<typeof attachEnforcer>> }

/** The process's in-process enforcer for a store's policy (the simulated gateway uses it). */
export function sharedEnforcer(service: PolicyService): ReturnType<typeof attachEnforcer> {
  const g = globalThis as G
  const all = (g[KEY] ??= new Map())
  let e = all.get(service)
  if (!e) {
    e = attachEnforcer(service)
    all.set(service, e)
  }
  return e
}
