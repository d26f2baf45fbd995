import type { ScenarioSettings } from '../../lib/simulator'
import type { RedTeam9Kind } from '../../lib/simulator/families-redteam9'
import { BOMB, HISTORY, MIN, c, redTeamCase, redTeamLookAlike, run, type FamilyCase } from './family-case'

/**
 * Red team, round 9 (lib/simulator/families-redteam9.ts and redteam9-*.ts; issue #15): written from the threat model,
 * the event contract and the simulator without reading the detectors or their documentation, and run once for the
 * report (not tuned to). 'red team 9' in the family name selects them (EVAL_ONLY='red team 9'). The "half of it" cases
 * are an attack at half its intensity (half the bombers, half the farm, half the streams held at once, half the extra
 * answer length) that a person would still call abuse. Look-alikes marked "all along" run from the start of the
 * history (a holiday abroad or a cruise does not begin at the case's start).
 */
export function redTeam9Grid(): FamilyCase[] {
  const rt = redTeamCase
  const family = 'benign: red team 9'
  const lookAlike = (level: string, seed: number, kind: RedTeam9Kind, s: ScenarioSettings = {}) => redTeamLookAlike(family, level, seed, kind, s)
  const allAlong = (level: string, seed: number, kind: RedTeam9Kind, s: ScenarioSettings = {}) =>
    c(family, level, 'holdout', [], run(seed, 'benign', { redteam: kind, offsetMs: 0, durationMs: HISTORY + 30 * MIN, ...s }, 30, 120_000))
  const acme = { tenant: 'acme-fitness' }
  const globex = { tenant: 'globex-travel' }
  const initech = { tenant: 'initech-bank' }
  const umbrella = { tenant: 'umbrella-health' }
  const pulses = { ...acme, feature: 'summarize' }
  return [
    rt(
      'bombing: red team 9',
      'upper tail: 6 users, every chat call between the feature’s 90th and 99.5th percentile, 2.5-3.5/min',
      BOMB,
      246,
      'prompt_bomber',
      'rt9_bomb_upper_tail',
      25,
      umbrella,
    ),
    rt('bombing: red team 9', 'half of it: upper tail, 3 users', BOMB, 247, 'prompt_bomber', 'rt9_bomb_upper_tail', 25, { ...umbrella, installs: 3 }),
    rt(
      'bombing: red team 9',
      'all features: 4 users script chat, search_qa and summarize at 2-2.5x, 1-1.5/min each',
      BOMB,
      248,
      'prompt_bomber',
      'rt9_bomb_all_features',
      25,
      initech,
    ),
    rt(
      'bombing: red team 9',
      'pulsed: 4 users, 6-9 summarize calls at 4-6x within 45 s every 5 min',
      BOMB,
      249,
      'prompt_bomber',
      'rt9_bomb_pulsed',
      30,
      pulses,
    ),
    rt(
      'farm: red team 9',
      'sync wake: 50 emulators, a real phone profile each on residential proxies, one build, all wake within 20 s every 5 min',
      ['emulator_farms'],
      250,
      'emulator_farm',
      'rt9_farm_sync_wake',
      25,
      globex,
    ),
    rt('farm: red team 9', 'half of it: sync wake, 25 emulators', ['emulator_farms'], 251, 'emulator_farm', 'rt9_farm_sync_wake', 25, {
      ...globex,
      installs: 25,
    }),
    rt(
      'farm: red team 9',
      'script replay: 70 emulators on a hosting ASN, each replaying the same 12-step request sequence, staggered',
      ['emulator_farms'],
      252,
      'emulator_farm',
      'rt9_farm_script_replay',
      25,
      umbrella,
    ),
    rt(
      'farm: red team 9',
      'IPv6 cloud: 60 emulators in 3 datacenter /48s of one hosting ASN, 4 builds, 0.8-1.5/min',
      ['emulator_farms'],
      253,
      'emulator_farm',
      'rt9_farm_ipv6_cloud',
      20,
      initech,
    ),
    rt(
      'stream abuse: red team 9',
      'fan-out: 3 installs, 12 medium chat streams (1-2.5 min) open at once each, reopened',
      ['stream_abuse'],
      254,
      'stream_abuse',
      'rt9_stream_fan_out',
      20,
      initech,
    ),
    rt('stream abuse: red team 9', 'half of it: fan-out, 6 at once', ['stream_abuse'], 255, 'stream_abuse', 'rt9_stream_fan_out', 20, {
      ...initech,
      concurrent: 6,
    }),
    rt(
      'token reuse: red team 9',
      'cloud streams: 2 tokens replayed from a US cloud /24, 0.4 long streams/min overlapping the owner at home',
      ['token_reuse'],
      256,
      'token_reuse',
      'rt9_reuse_cloud_streams',
      25,
      initech,
    ),
    rt(
      'token reuse: red team 9',
      'background handoff: 2 tokens used by a proxy (another carrier) only while the owner’s app is in the background',
      ['token_reuse'],
      257,
      'token_reuse',
      'rt9_reuse_background_handoff',
      30,
      globex,
    ),
    rt(
      'cost: red team 9',
      'completion creep: a release’s chat answers grow 1x to 2.5x over 30 min per install (cost per request ~1.9x)',
      ['cost_anomalies'],
      258,
      'cost_spike',
      'rt9_cost_completion_creep',
      40,
      acme,
    ),
    rt('cost: red team 9', 'half of it: creep to 1.75x (cost per request ~1.45x)', ['cost_anomalies'], 259, 'cost_spike', 'rt9_cost_completion_creep', 40, {
      ...acme,
      completionFactor: 1.75,
    }),
    rt(
      'cost: red team 9',
      'reasoning model: half the installs’ chat moved to o4-mini, same price per token, 3-6x output billed (spend ~1.9x)',
      ['cost_anomalies'],
      260,
      'model_shift',
      'rt9_cost_reasoning_model',
      30,
      globex,
    ),
    lookAlike('ash cloud: 250 European travellers (a third on 4 airport wifis, 100 new) rebook within minutes', 261, 'rt9_benign_ash_cloud', globex),
    lookAlike('model generation: half the installs’ chat moved to claude-sonnet-4-5, same price', 262, 'rt9_benign_model_generation', umbrella),
    allAlong('travel eSIM, all along: 50 tourists in Japan alternate hotel wifi (JP) and an eSIM exiting in SG', 263, 'rt9_benign_travel_esim', globex),
    allAlong('cruise ship, all along: 150 passengers of 3 tenants on one satellite /24, FR → ES → IT at once', 264, 'rt9_benign_cruise_ship', acme),
    lookAlike('carrier renumbering: a US carrier moves all its subscribers to 8 new /24s within 10 min', 265, 'rt9_benign_carrier_renumber', acme),
  ]
}
