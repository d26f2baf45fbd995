import { BOMB, HISTORY, MIN, c, run, type FamilyCase } from './family-case'

/**
 * One huge request per install id (lib/simulator/families-huge-requests.ts, issue #15), written from the threat model
 * before the detectors were changed for it: held out. The look-alike runs from the start of the history (pasting long
 * documents is what this feature's users always do), 30 minutes past it, detectors every 2 simulated minutes.
 */
export function hugeRequestGrid(): FamilyCase[] {
  return [
    c(
      'bombing: id rotation',
      'one huge request per id (20-100x), new id every 20-60 s, fresh fingerprint and /24 each',
      'holdout',
      BOMB,
      run(161, 'prompt_bomber', { redteam: 'huge_one_per_id' }),
    ),
    c(
      'benign: huge requests',
      'chat where 1.5 % of honest requests paste a 20-60x document, all along',
      'holdout',
      [],
      run(162, 'benign', { redteam: 'huge_benign_pastes', offsetMs: 0, durationMs: HISTORY + 30 * MIN }, 30, 120_000),
    ),
  ]
}
