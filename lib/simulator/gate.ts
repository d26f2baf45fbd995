import type { GatewayEventInput, POLICY_RULE_KINDS } from '../events/schema'
import type { Install } from './population'

export type StreamEvent = Extract<GatewayEventInput, { type: 'stream' }>

/** A stream the simulated app is opening. */
export interface StreamStart {
  inst: Install
  feature: string
  contextTokens: number
  atMs: number
}

export type StreamAdmission =
  | { allowed: false; policyVersion: number; ruleId: string; ruleKind: (typeof POLICY_RULE_KINDS)[number] }
  | {
      allowed: true
      /** Policy revokes the caller at `atMs`: when that policy was applied (wall clock), else null. */
      revokedSince(atMs: number): number | null
      /** The stream's event as the gateway reports it on close: output capped, priced, quotas settled. */
      close(e: StreamEvent): GatewayEventInput
    }

/**
 * The gateway in front of the simulated apps, asked when a scenario's stream
 * opens. A stream is reported only when it closes, minutes later for a
 * bomber or a zombie; judging it then would put its denial minutes after the
 * revocation and let the attacker's retries wait on a stream that never ran.
 */
export interface StreamGate {
  openStream(call: StreamStart): StreamAdmission
  /**
   * For a stream opened before the gateway was attached (a scenario's first streams are drawn when it is built):
   * when policy revoked its caller (wall clock), else null, so the gateway can still close it on a revocation.
   */
  revokedSince(call: Omit<StreamStart, 'contextTokens'>): number | null
}

/** Scenarios are built before the gateway is attached: they hold this and read it at each call. */
export class GateRef {
  current: StreamGate | undefined
}
