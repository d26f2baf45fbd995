import { appStore, startAppRuntime } from './app-runtime'
import { startControls, type ControlPlane } from '../policy/runtime'

const KEY = Symbol.for('burnrate.controls')
type G = typeof globalThis & { [KEY]?: Promise<ControlPlane> }

/** The app process's controls, started on first use by any route or page that needs them. */
export function controls(): Promise<ControlPlane> {
  const g = globalThis as G
  g[KEY] ??= (async () => {
    const runtime = await startAppRuntime()
    return startControls(await appStore(), { stoppers: runtime.stoppers })
  })()
  g[KEY].catch(() => delete g[KEY])
  return g[KEY]
}
