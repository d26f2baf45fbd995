/**
 * Test traffic a tenant declares so its own QA does not page on-call: a
 * network (the QA lab's or office's prefix), a bundle id (a staging app), an
 * app version (a release candidate) or a device fingerprint (a test phone).
 * Declared here, apart from the store, so the dashboard's hooks and panel
 * share the types without server code.
 */
export const TEST_SOURCE_KINDS = ['network', 'app_id', 'app_version', 'device_fingerprint'] as const
export type TestSourceKind = (typeof TEST_SOURCE_KINDS)[number]

/** A declaration can last at most this many days: test labs move, and a forgotten one would hide a real attack. */
export const TEST_SOURCE_MAX_DAYS = 30

export interface TestSource {
  tenant_id: string
  kind: TestSourceKind
  /** For a network, its normalised prefix (at most /24 for IPv4, /48 for IPv6: what events store). */
  value: string
  /** Why it is test traffic (who runs it, which lab): shown beside every finding it holds back. */
  note: string
  /** Epoch ms. */
  expires_at: number
  updated_at: number
  updated_by: string
}

/** GET /api/test-sources */
export interface TestSourcesResponse {
  sources: TestSource[]
}

/** PUT /api/test-sources */
export interface SaveTestSourceRequest {
  tenant_id: string
  kind: TestSourceKind
  value: string
  note: string
  days: number
}
