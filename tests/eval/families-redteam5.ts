import type { ScenarioSettings } from '../../lib/simulator'
import type { RedTeam5Kind } from '../../lib/simulator/families-redteam5'
import { BOMB, HISTORY, MIN, c, redTeamCase, redTeamLookAlike, run, type FamilyCase } from './family-case'

/**
 * Red team, round 5 (lib/simulator/families-redteam5.ts and redteam5-*.ts; issue #15): written from the threat model
 * and the event contract without reading the detectors or their documentation, and run once for the report (not
 * tuned to). 'red team 5' in the family name selects them (EVAL_ONLY='red team 5'). The "half of it" cases are the
 * obvious case at half its intensity: half the installs, half the thief's rate, half the extra answer length.
 */
export function redTeam5Grid(): FamilyCase[] {
  const rt = redTeamCase
  const lookAlike = (level: string, seed: number, kind: RedTeam5Kind, s: ScenarioSettings = {}) => redTeamLookAlike('benign: red team 5', level, seed, kind, s)
  const globex = { tenant: 'globex-travel' }
  const initech = { tenant: 'initech-bank' }
  return [
    rt(
      'bombing: red team 5',
      'hit and run: 40 new installs, each 4-6 min at 3-4x, staggered over 20 min',
      BOMB,
      171,
      'prompt_bomber',
      'rt5_bomb_hit_and_run',
      20,
      globex,
    ),
    rt('bombing: red team 5', 'half of it: 20 new installs, each 4-6 min at 3-4x', BOMB, 172, 'prompt_bomber', 'rt5_bomb_hit_and_run', 20, {
      ...globex,
      installs: 20,
    }),
    rt(
      'bombing: red team 5',
      'repackaged build (a version never shipped), 6 installs at 2.5x, 40 % of token checks fail',
      BOMB,
      173,
      'prompt_bomber',
      'rt5_bomb_repackaged',
      20,
      { tenant: 'acme-fitness' },
    ),
    rt(
      'farm: red team 5',
      '80 installs, 3 hosting ASNs, 4 builds, passing, jittered 4-6 calls/min each',
      ['emulator_farms'],
      174,
      'emulator_farm',
      'rt5_farm_three_hosts',
      15,
      initech,
    ),
    rt('farm: red team 5', 'half of it: 40 installs', ['emulator_farms'], 175, 'emulator_farm', 'rt5_farm_three_hosts', 15, { ...initech, installs: 40 }),
    rt(
      'stream abuse: red team 5',
      '8 installs, one near-silent stream each, 20-40 min, opened together',
      ['stream_abuse'],
      176,
      'stream_abuse',
      'rt5_zombie_one_each',
      45,
      { tenant: 'acme-fitness' },
    ),
    rt('stream abuse: red team 5', 'half of it: 4 installs', ['stream_abuse'], 177, 'stream_abuse', 'rt5_zombie_one_each', 45, {
      tenant: 'acme-fitness',
      installs: 4,
    }),
    rt(
      'token reuse: red team 5',
      '2 tokens replayed from abroad via residential proxies, 2 calls/min, owners at home',
      ['token_reuse'],
      178,
      'token_reuse',
      'rt5_reuse_proxy_abroad',
      20,
      initech,
    ),
    rt('token reuse: red team 5', 'half of it: the thief at 1 call/min', ['token_reuse'], 179, 'token_reuse', 'rt5_reuse_proxy_abroad', 20, {
      ...initech,
      perMinute: 1,
    }),
    rt(
      'cost: red team 5',
      'release doubles chat answers (cost per request ~1.6x), 70 % adopt',
      ['cost_anomalies'],
      180,
      'cost_spike',
      'rt5_cost_verbose_release',
      25,
      { tenant: 'umbrella-health' },
    ),
    rt('cost: red team 5', 'half of it: answers 1.5x (cost per request ~1.3x)', ['cost_anomalies'], 181, 'cost_spike', 'rt5_cost_verbose_release', 25, {
      tenant: 'umbrella-health',
      completionFactor: 1.5,
    }),
    lookAlike("evening peak: translate's users and calls ~2.7x for 30 min", 182, 'rt5_benign_evening_peak', { ...globex, feature: 'translate' }),
    lookAlike('a new version reaches half the installs within 20 min', 183, 'rt5_benign_fast_rollout', initech),
    // Used this way all along (from the start of history): a layout is not switched on at the case's start.
    c(
      'benign: red team 5',
      'tablet layout streaming two answers side by side, all along',
      'holdout',
      [],
      run(184, 'benign', { redteam: 'rt5_benign_tablet_compare', tenant: 'umbrella-health', offsetMs: 0, durationMs: HISTORY + 30 * MIN }, 30, 120_000),
    ),
    lookAlike('150 new installs try one or two long documents', 185, 'rt5_benign_try_long_doc', { tenant: 'acme-fitness', feature: 'summarize' }),
  ]
}
