import { createRoute } from '../http/route'
import { appStore } from './app-runtime'

export { HttpError } from '../errors'
export type { RouteContext } from '../http/route'

/** route() of lib/http/route.ts bound to the app process's store: what every API route uses. */
export const route = createRoute(appStore)
