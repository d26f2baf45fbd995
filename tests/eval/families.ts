import { BOMB, HISTORY, MIN, c, run, type FamilyCase } from './family-case'
import { redTeamGrid } from './families-redteam'
import { hugeRequestGrid } from './families-huge'

export { HISTORY, type FamilyCase } from './family-case'

/**
 * The evaluation grid: each attack swept over intensity, spread, duration,
 * evasion and feature traffic level, and benign look-alikes that must raise
 * nothing. `split` 'tune' cases were looked at while designing; 'holdout'
 * cases use other seeds and parameter values and were only run for the report.
 */
export function familyGrid(quick: boolean): FamilyCase[] {
  const tune: FamilyCase[] = [
    ...[1.5, 3, 5].map((x) =>
      c('bombing: sustained, 1 install', `${x}x median`, 'tune', BOMB, run(1, 'prompt_bomber', { contextFactor: x, installs: 1, perMinute: 4 })),
    ),
    ...[10, 30, 50].map((n) =>
      c('bombing: spread', `${n} installs at 2.5x`, 'tune', BOMB, run(2, 'prompt_bomber', { contextFactor: 2.5, installs: n, perMinute: 2 })),
    ),
    c(
      'bombing: id rotation',
      'new id every 3 min, 3x',
      'tune',
      BOMB,
      run(3, 'prompt_bomber', { contextFactor: 3, installs: 2, perMinute: 6, rotateMs: 3 * MIN }),
    ),
    c('bombing: jitter', '3x, sizes ±0.8 log', 'tune', BOMB, run(4, 'prompt_bomber', { contextFactor: 3, installs: 2, perMinute: 4, jitter: 0.8 })),
    c(
      'bombing: low-traffic feature',
      'translate, 3x',
      'tune',
      BOMB,
      run(5, 'prompt_bomber', { contextFactor: 3, installs: 2, perMinute: 3, feature: 'translate', tenant: 'umbrella-health' }),
    ),
    c('bombing: short burst', '5 min at 5x', 'tune', BOMB, run(6, 'prompt_bomber', { contextFactor: 5, installs: 2, perMinute: 4 }, 5)),
    c('bombing: huge streams', 'simulator default (50k-200k)', 'tune', BOMB, run(7, 'prompt_bomber')),
    c('farm', 'fails attestation', 'tune', ['emulator_farms'], run(1, 'emulator_farm')),
    c('farm', 'passes attestation, lockstep', 'tune', ['emulator_farms'], run(2, 'emulator_farm', { attestPass: true })),
    c('farm', 'passes attestation, 24 subnets', 'tune', ['emulator_farms'], run(3, 'emulator_farm', { attestPass: true, subnets: 24, installs: 60 })),
    c('token reuse', '3 tokens, 3 req/min each side', 'tune', ['token_reuse'], run(1, 'token_reuse', { installs: 3, perMinute: 3 })),
    c('token reuse', '1 token, 1 req/min', 'tune', ['token_reuse'], run(2, 'token_reuse', { installs: 1, perMinute: 1 })),
    c('cost', 'release, 4x context', 'tune', ['cost_anomalies'], run(1, 'cost_spike', {}, 25)),
    c('cost', 'release, 1.75x context', 'tune', ['cost_anomalies'], run(2, 'cost_spike', { intensity: 0.5 }, 25)),
    c('cost', 'model shift to gpt-4o', 'tune', ['cost_anomalies'], run(3, 'model_shift', { feature: 'chat_assistant', tenant: 'acme-fitness' }, 25)),
    c('stream abuse', 'simulator default', 'tune', ['stream_abuse'], run(1, 'stream_abuse')),
  ]
  const holdout: FamilyCase[] = [
    ...[2.5, 4].map((x) =>
      c('bombing: sustained, 1 install', `${x}x median`, 'holdout', BOMB, run(11, 'prompt_bomber', { contextFactor: x, installs: 1, perMinute: 3 })),
    ),
    c('bombing: spread', '20 installs at 2x', 'holdout', BOMB, run(12, 'prompt_bomber', { contextFactor: 2, installs: 20, perMinute: 3 })),
    c(
      'bombing: id rotation',
      'new id every 2 min, 4x',
      'holdout',
      BOMB,
      run(13, 'prompt_bomber', { contextFactor: 4, installs: 1, perMinute: 5, rotateMs: 2 * MIN }),
    ),
    c('farm', 'passes attestation, 2 ASNs', 'holdout', ['emulator_farms'], run(14, 'emulator_farm', { attestPass: true, asns: 2, subnets: 6, installs: 100 })),
    c('token reuse', '2 tokens, 2 req/min', 'holdout', ['token_reuse'], run(15, 'token_reuse', { installs: 2, perMinute: 2 })),
    c(
      'cost',
      'model shift to claude-sonnet-4',
      'holdout',
      ['cost_anomalies'],
      run(16, 'model_shift', { feature: 'summarize', tenant: 'acme-fitness', model: 'claude-sonnet-4' }, 25),
    ),
    // Added with the moderate group test (its parameters were not looked at while designing it): thinner spread,
    // fewer installs with wide jitter, a low-traffic feature, a slow sustained bomber, a quiet token thief.
    c('bombing: spread', '30 installs at 2x, 1 req/min', 'holdout', BOMB, run(31, 'prompt_bomber', { contextFactor: 2, installs: 30, perMinute: 1 })),
    c(
      'bombing: spread',
      '8 installs at 2.5x, sizes ±0.6 log',
      'holdout',
      BOMB,
      run(32, 'prompt_bomber', { contextFactor: 2.5, installs: 8, perMinute: 3, jitter: 0.6 }),
    ),
    c(
      'bombing: spread',
      'translate (low traffic), 10 installs at 2x',
      'holdout',
      BOMB,
      run(33, 'prompt_bomber', { contextFactor: 2, installs: 10, perMinute: 2, feature: 'translate', tenant: 'umbrella-health' }),
    ),
    c(
      'bombing: sustained, 1 install',
      '3x median, 1 req/min, 30 min',
      'holdout',
      BOMB,
      run(34, 'prompt_bomber', { contextFactor: 3, installs: 1, perMinute: 1 }, 30),
    ),
    c('token reuse', '5 tokens, 1 req/min', 'holdout', ['token_reuse'], run(35, 'token_reuse', { installs: 5, perMinute: 1 })),
    // Added with the onset test (bombing-onset.ts), written from the threat model and run once for the report,
    // not tuned to: a slow ramp, another feature, two features at once, oversized requests mixed with normal
    // ones, and a staggered recruitment (no common onset: that test's blind spot, left to the count tests).
    c(
      'bombing: slow ramp',
      '1 install, 1x to 4x over 20 min, 30 min',
      'holdout',
      BOMB,
      run(41, 'prompt_bomber', { contextFactor: 4, installs: 1, perMinute: 4, rampMs: 20 * MIN }, 30),
    ),
    c(
      'bombing: slow ramp',
      '25 installs, 1x to 2.5x over 15 min, 25 min',
      'holdout',
      BOMB,
      run(42, 'prompt_bomber', { contextFactor: 2.5, installs: 25, perMinute: 2, rampMs: 15 * MIN }, 25),
    ),
    c(
      'bombing: second feature',
      'summarize, 15 installs at 2.5x',
      'holdout',
      BOMB,
      run(43, 'prompt_bomber', { contextFactor: 2.5, installs: 15, perMinute: 2, feature: 'summarize', tenant: 'acme-fitness' }),
    ),
    c(
      'bombing: two features',
      '24 installs at 2x, chat and summarize',
      'holdout',
      BOMB,
      run(44, 'prompt_bomber', { contextFactor: 2, installs: 24, perMinute: 3, features: ['chat_assistant', 'summarize'], tenant: 'acme-fitness' }),
    ),
    c(
      'bombing: mixed sizes',
      '2 installs, half normal, half at 6x',
      'holdout',
      BOMB,
      run(45, 'prompt_bomber', { contextFactor: 6, installs: 2, perMinute: 4, oversizedShare: 0.5 }),
    ),
    c(
      'bombing: mixed sizes',
      '20 installs, 1 in 3 at 4x',
      'holdout',
      BOMB,
      run(46, 'prompt_bomber', { contextFactor: 4, installs: 20, perMinute: 3, oversizedShare: 1 / 3 }),
    ),
    c(
      'bombing: staggered recruitment',
      '25 installs at 2x joining over 15 min, 25 min',
      'holdout',
      BOMB,
      run(47, 'prompt_bomber', { contextFactor: 2, installs: 25, perMinute: 2, joinSpreadMs: 15 * MIN }, 25),
    ),
  ]
  const benignKinds = ['power_users', 'batch_feature', 'release_burst', 'corporate_nat', 'qa_lab', 'token_expired', 'handover'] as const
  // 7 × 70 min of benign look-alikes (8.2 simulated hours), detectors every 2 simulated minutes.
  const benign = benignKinds.map((kind, i) =>
    c('benign', kind, 'tune', [], {
      ...run(
        21 + i,
        'benign',
        { kind, offsetMs: kind === 'batch_feature' ? 0 : HISTORY, durationMs: (kind === 'batch_feature' ? 110 : 70) * MIN },
        70,
        120_000,
      ),
    }),
  )
  // Held out with the onset test: a long-document feature launched to every user at once (3x context, no
  // release: a cost alert on the feature is right, bombing alerts are false) and one power user with long chats.
  const benignHoldout = (['feature_launch', 'long_chats'] as const).map((kind, i) =>
    c('benign', kind, 'holdout', [], run(48 + i, 'benign', { kind, offsetMs: HISTORY, durationMs: 70 * MIN, tenant: 'acme-fitness' }, 70, 120_000)),
  )
  if (quick) return [tune[1], tune[4], tune[11], tune[13], tune[16], benign[3]]
  return [...tune, ...holdout, ...benign, ...benignHoldout, ...redTeamGrid(), ...hugeRequestGrid()]
}
