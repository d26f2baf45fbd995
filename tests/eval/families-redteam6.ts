import type { ScenarioSettings } from '../../lib/simulator'
import type { RedTeam6Kind } from '../../lib/simulator/families-redteam6'
import { BOMB, redTeamCase, redTeamLookAlike, type FamilyCase } from './family-case'

/**
 * Red team, round 6 (lib/simulator/families-redteam6.ts and redteam6-*.ts; issue #15): written from the threat model,
 * the event contract and the simulator without reading the detectors or their documentation, and run once for the
 * report (not tuned to). 'red team 6' in the family name selects them (EVAL_ONLY='red team 6'). The "half of it" cases
 * are an attack at half its intensity (half the installs, half the zombies, a smaller answer growth) that a person
 * would still call abuse.
 */
export function redTeam6Grid(): FamilyCase[] {
  const rt = redTeamCase
  const lookAlike = (level: string, seed: number, kind: RedTeam6Kind, s: ScenarioSettings = {}) => redTeamLookAlike('benign: red team 6', level, seed, kind, s)
  const initech = { tenant: 'initech-bank' }
  const globex = { tenant: 'globex-travel' }
  const umbrella = { tenant: 'umbrella-health' }
  const acme = { tenant: 'acme-fitness' }
  const ramp = { ...initech, feature: 'search_qa' }
  const rack = globex
  const batch = { ...initech, feature: 'search_qa' }
  const config = { ...acme, feature: 'summarize' }
  return [
    rt(
      'bombing: red team 6',
      'ramp: 4 users, search_qa context 1x to 6x over 12 min, mixed with normal use',
      BOMB,
      186,
      'prompt_bomber',
      'rt6_bomb_ramp',
      25,
      ramp,
    ),
    rt('bombing: red team 6', 'half of it: ramp, 2 users', BOMB, 187, 'prompt_bomber', 'rt6_bomb_ramp', 25, { ...ramp, installs: 2 }),
    rt(
      'bombing: red team 6',
      'long answers: 3 installs, 2 streams each at the 4k output cap, 2.5x context, dear model',
      ['prompt_bombing', 'stream_abuse'],
      188,
      'prompt_bomber',
      'rt6_bomb_long_answers',
      20,
      umbrella,
    ),
    rt(
      'farm: red team 6',
      'phone rack: 48 real phones of one model, passing, one fibre line (3 /24s), human-ish rate',
      ['emulator_farms'],
      189,
      'emulator_farm',
      'rt6_farm_phone_rack',
      20,
      rack,
    ),
    rt('farm: red team 6', 'half of it: phone rack of 24', ['emulator_farms'], 190, 'emulator_farm', 'rt6_farm_phone_rack', 20, { ...rack, installs: 24 }),
    rt(
      'farm: red team 6',
      'reset cycle: 30 emulator slots on OVH, new id every 6-10 min, 45 % of checks fail',
      ['emulator_farms'],
      191,
      'emulator_farm',
      'rt6_farm_reset_cycle',
      20,
      { ...globex, feature: 'search_qa' },
    ),
    rt(
      'stream abuse: red team 6',
      'regenerate: 4 installs, 5k-8k-context streams dropped after 2-6 s, 6-8 a minute',
      ['stream_abuse', 'prompt_bombing'],
      192,
      'stream_abuse',
      'rt6_stream_regenerate',
      15,
      initech,
    ),
    rt(
      'stream abuse: red team 6',
      'zombie ramp: 2 installs, one more near-silent stream every 2-3 min up to 10',
      ['stream_abuse'],
      193,
      'stream_abuse',
      'rt6_stream_zombie_ramp',
      30,
      globex,
    ),
    rt('stream abuse: red team 6', 'half of it: zombie ramp up to 5', ['stream_abuse'], 194, 'stream_abuse', 'rt6_stream_zombie_ramp', 30, {
      ...globex,
      concurrent: 5,
    }),
    rt(
      'token reuse: red team 6',
      '2 tokens replayed via a VPN abroad, long streams overlapping the owner',
      ['token_reuse'],
      195,
      'token_reuse',
      'rt6_reuse_vpn_streams',
      20,
      acme,
    ),
    rt(
      'token reuse: red team 6',
      '6 harvested tokens replayed from one hosting /24 at home, 0.6 calls/min each',
      ['token_reuse'],
      196,
      'token_reuse',
      'rt6_reuse_harvested_batch',
      20,
      batch,
    ),
    rt('token reuse: red team 6', 'half of it: 3 harvested tokens', ['token_reuse'], 197, 'token_reuse', 'rt6_reuse_harvested_batch', 20, {
      ...batch,
      installs: 3,
    }),
    rt(
      'cost: red team 6',
      'config push: summarize answers 3x on every version (cost per request ~2x)',
      ['cost_anomalies'],
      198,
      'cost_spike',
      'rt6_cost_config_output',
      25,
      config,
    ),
    rt('cost: red team 6', 'half of it: answers 2x (cost per request ~1.5x)', ['cost_anomalies'], 199, 'cost_spike', 'rt6_cost_config_output', 25, {
      ...config,
      completionFactor: 2,
    }),
    rt(
      'cost: red team 6',
      'fallback stuck: 15 % of translate calls served by a ~10x dearer model',
      ['cost_anomalies'],
      200,
      'cost_spike',
      'rt6_cost_fallback_stuck',
      25,
      { ...umbrella, feature: 'translate' },
    ),
    lookAlike('hospital MDM rollout: 250 identical corporate iPhones on 2 /24s', 201, 'rt6_benign_mdm_rollout', umbrella),
    lookAlike('iOS point release: 35 % of iPhones update, new fingerprint, first check fails', 202, 'rt6_benign_os_update', acme),
    lookAlike('viral prompt: 350 new installs send the exact same question first', 203, 'rt6_benign_viral_prompt', umbrella),
    lookAlike('60 users switch on a consumer VPN, 3 in 10 exit abroad', 204, 'rt6_benign_vpn', globex),
    lookAlike('40 travellers on a London-Paris train: onboard wifi, tunnels, border, arrival', 205, 'rt6_benign_border_train', globex),
  ]
}
