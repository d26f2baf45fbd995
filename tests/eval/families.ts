import type { DetectorName } from '../../lib/detection/types'
import type { ScenarioName, ScenarioSettings } from '../../lib/simulator'
import type { ReplayOptions } from '../../harness/eval/replay'
import type { RedTeamKind } from '../../lib/simulator/families-redteam'

/**
 * The evaluation grid: each attack swept over intensity, spread, duration,
 * evasion and feature traffic level, and benign look-alikes that must raise
 * nothing. `split` 'tune' cases were looked at while designing; 'holdout'
 * cases use other seeds and parameter values and were only run for the report.
 */
const MIN = 60_000
/** Bulk-loaded history before the attack: the sequential baseline needs 30 min before its window. */
export const HISTORY = 40 * MIN

export interface FamilyCase {
  family: string
  level: string
  split: 'tune' | 'holdout'
  expected: readonly DetectorName[]
  options: Omit<ReplayOptions, 'settings'>
}

function run(seed: number, scenario: ScenarioName | null, s: ScenarioSettings = {}, attackMin = 15, tickMs = 60_000): Omit<ReplayOptions, 'settings'> {
  return {
    seed,
    installs: 1500,
    ratePerSec: 20,
    scenarios: scenario ? [scenario] : [],
    scenarioSettings: scenario ? { [scenario]: { offsetMs: HISTORY, durationMs: attackMin * MIN, ...s } } : {},
    durationMs: HISTORY + attackMin * MIN,
    tickMs,
    detectFromMs: HISTORY - MIN,
  }
}

const BOMB: DetectorName[] = ['prompt_bombing']
const c = (family: string, level: string, split: FamilyCase['split'], expected: readonly DetectorName[], options: FamilyCase['options']): FamilyCase => ({
  family,
  level,
  split,
  expected,
  options,
})

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
  // Red team for the non-bombing detectors (lib/simulator/families-redteam.ts), written from the threat model before
  // the detectors were run on them; 'red team' in the family name selects them all (EVAL_ONLY='red team').
  const rt = (
    family: string,
    level: string,
    expected: readonly DetectorName[],
    seed: number,
    scenario: ScenarioName,
    kind: RedTeamKind,
    min = 15,
    s: ScenarioSettings = {},
  ) => c(family, level, 'holdout', expected, run(seed, scenario, { redteam: kind, ...s }, min))
  const redteam = [
    rt('farm: red team', 'passes attestation, Poisson timing, 20 /24s of one cloud ASN, 2 images', ['emulator_farms'], 61, 'emulator_farm', 'farm_jittered'),
    rt(
      'farm: red team',
      'passes attestation, 60 distinct phones, 40 /24s, joining over 12 min',
      ['emulator_farms'],
      62,
      'emulator_farm',
      'farm_diverse_trickle',
    ),
    rt('farm: red team', '30 % of attestations fail, Poisson timing, 2 cloud ASNs', ['emulator_farms'], 63, 'emulator_farm', 'farm_mixed'),
    rt('cost: red team', '30 % of a feature moved to a pricier model', ['cost_anomalies'], 64, 'model_shift', 'cost_mix_shift', 20),
    rt('stream abuse: red team', '2 installs, 6 long streams open at once', ['stream_abuse'], 65, 'stream_abuse', 'stream_concurrent'),
    rt('stream abuse: red team', '2 installs, 60-token prompts, 6k-16k-token answers', ['stream_abuse'], 66, 'stream_abuse', 'stream_long_output'),
    rt('token reuse: red team', '2 tokens, thief in the same country on another carrier', ['token_reuse'], 67, 'token_reuse', 'reuse_same_country'),
    rt('token reuse: red team', '1 token replayed from 10 countries at once', ['token_reuse'], 68, 'token_reuse', 'reuse_many_ips'),
    // Half the intensity of the two cases the 2026-12-05 signals were built for (new_network, alternation), added with
    // them and run once for the report: half the farm, and owner and thief at 1 request a minute each.
    rt('farm: red team', 'half of it: 30 distinct phones, 25 /24s, joining over 12 min', ['emulator_farms'], 80, 'emulator_farm', 'farm_diverse_trickle', 15, {
      installs: 30,
      subnets: 25,
    }),
    rt(
      'token reuse: red team',
      '2 tokens, same country, another carrier, 1 request a minute each',
      ['token_reuse'],
      81,
      'token_reuse',
      'reuse_same_country',
      15,
      {
        perMinute: 1,
      },
    ),
    // The same at 1 request a minute each for an hour: the horizon of the slow alternation test (token-reuse-timing.ts),
    // which needs about 40 switches. Added with it and run once for the report.
    rt(
      'token reuse: red team',
      '2 tokens, same country, another carrier, 1 request a minute each, 60 min',
      ['token_reuse'],
      82,
      'token_reuse',
      'reuse_same_country',
      60,
      { perMinute: 1 },
    ),
    // A release that doubles spend without changing cost per request (families-release.ts), added 2026-12-06 and run once
    // on main before the release volume lens was written: every chat call of the new version sent twice, half of them.
    rt('cost: red team', 'release on 35 % of installs, every chat call sent twice', ['cost_anomalies'], 83, 'cost_spike', 'cost_release_volume', 20),
    rt('cost: red team', 'release on 35 % of installs, half the chat calls sent twice', ['cost_anomalies'], 84, 'cost_spike', 'cost_release_volume', 20, {
      repeatShare: 0.5,
    }),
    rt('cost: red team', 'release on 30 % of globex installs, translate calls sent twice', ['cost_anomalies'], 85, 'cost_spike', 'cost_release_volume', 20, {
      installShare: 0.3,
      tenant: 'globex-travel',
      feature: 'translate',
    }),
    // A price change (families-price.ts), added 2026-12-06 with the price lens and run once for the report: the gateway
    // bills acme's gpt-4o-mini 1.3x the catalog, and globex's claude-haiku-4 1.15x (half of it).
    rt('cost: red team', 'gateway bills a model 1.3x the catalog', ['cost_anomalies'], 86, 'cost_spike', 'cost_price_change', 20),
    rt('cost: red team', 'gateway bills a model 1.15x the catalog, another tenant', ['cost_anomalies'], 87, 'cost_spike', 'cost_price_change', 20, {
      billedFactor: 1.15,
      tenant: 'globex-travel',
    }),
    // Half the intensity of the 6-at-once case, added with the open-stream concurrency test (2026-12-06) and run once for
    // the report: one install holding 3 long answers open at once.
    rt('stream abuse: red team', 'half of it: 1 install, 3 long streams open at once', ['stream_abuse'], 86, 'stream_abuse', 'stream_concurrent', 15, {
      installs: 1,
      concurrent: 3,
    }),
    // Its benign look-alike (redteam-streams.ts): 60 people whose answers stream for 30 s-3 min, two at once when they switch chats.
    c(
      'benign: red team',
      'slow_answers',
      'holdout',
      [],
      run(87, 'benign', { redteam: 'benign_slow_answers', offsetMs: HISTORY, durationMs: 30 * MIN }, 30, 120_000),
    ),
    // Red team, round 3 (families-redteam3.ts, redteam3-streams.ts; issue #15): written from the threat model before the
    // detectors were run on them, run once for the report. 'red team 3' in the family name selects them.
    rt('farm: red team 3', 'only 16 members, one image, 2 /24s of one cloud ASN, human rate', ['emulator_farms'], 90, 'emulator_farm', 'rt3_farm_small'),
    rt(
      'farm: red team 3',
      '40 members on residential proxies of the home country, one phone build',
      ['emulator_farms'],
      91,
      'emulator_farm',
      'rt3_farm_residential',
    ),
    rt(
      'farm: red team 3',
      '30 members on an old build nobody else runs, diverse phones and networks',
      ['emulator_farms'],
      92,
      'emulator_farm',
      'rt3_farm_old_build',
    ),
    rt('bombing: red team 3', 'beta feature of 20 installs, 1 install at 3x', BOMB, 93, 'prompt_bomber', 'rt3_bomb_beta_feature', 15, {
      tenant: 'initech-bank',
      offsetMs: 0,
      durationMs: HISTORY + 15 * MIN,
    }),
    rt('bombing: red team 3', '5 attackers on one /24 at 3x, new id and fingerprint every 3 min', BOMB, 94, 'prompt_bomber', 'rt3_bomb_subnet_rotation'),
    rt('token reuse: red team 3', '2 tokens, owner and thief (another carrier) overlapping streams', ['token_reuse'], 95, 'token_reuse', 'rt3_reuse_streams'),
    rt('token reuse: red team 3', '2 tokens used only from a datacenter abroad, owner idle', ['token_reuse'], 96, 'token_reuse', 'rt3_reuse_datacenter'),
    rt('stream abuse: red team 3', '3 installs, 2 zombie streams each trickling ~1.2 tok/s', ['stream_abuse'], 97, 'stream_abuse', 'rt3_zombie_trickle', 40),
    rt('cost: red team 3', 'iOS-only release, chat context 2.5x', ['cost_anomalies'], 98, 'cost_spike', 'rt3_cost_ios_release', 20),
    ...(['rt3_benign_school', 'rt3_benign_tv_ad'] as const).map((kind, i) =>
      c(
        'benign: red team 3',
        kind.replace('rt3_benign_', ''),
        'holdout',
        [],
        run(99 + i, 'benign', { redteam: kind, offsetMs: HISTORY, durationMs: 30 * MIN }, 30, 120_000),
      ),
    ),
    ...(['benign_marketing_push', 'benign_cgnat', 'benign_commuters', 'benign_early_adopters'] as const).map((kind, i) =>
      c(
        'benign: red team',
        kind.replace('benign_', ''),
        'holdout',
        [],
        run(69 + i, 'benign', { redteam: kind, offsetMs: HISTORY, durationMs: 30 * MIN }, 30, 120_000),
      ),
    ),
  ]
  if (quick) return [tune[1], tune[4], tune[11], tune[13], tune[16], benign[3]]
  return [...tune, ...holdout, ...benign, ...benignHoldout, ...redteam]
}
