import type { FarmInstall } from './farm-install'

/**
 * Wakes: installs whose activity resumed after a long silence, counted as new
 * from their wake.
 *
 * Every farm signal that pairs with a shared trait reads newness from
 * `first_seen`. A farm that registers its installs one by one, lets them
 * idle, and wakes them all together (red team round 4, aged farm) is not
 * new on the 15-minute horizon, and on the 60-minute one every install of a
 * short history is new. What it cannot hide is that its members *became
 * active* together: each install's current burst of activity (its
 * `first_active`: the first active minute after the last silence of at least
 * DETECT_FARM_WAKE_SILENCE_MINUTES in the farm window, farm-installs.ts and
 * farm-timing.ts compute it) began in the same short stretch. A new install's
 * burst starts at its first minute, so "first active in this burst" is
 * "first seen" for new installs and the wake for dormant ones: the newness
 * test over it (farm-clusters.ts, `new_installs`) is the same binomial test
 * of a group's share against the rest of the tenant's, on the
 * NEW_INSTALL_BURST_MINUTES horizon. The ASN's newness test (`new_network`,
 * farm-new-network.ts) reads the same horizon, for a woken farm with no shared
 * build spread ~1 member per /24 of one host.
 *
 * Only a burst of some activity counts (WAKE_MIN_REQUESTS): an ordinary
 * light user calls once every half hour, and each such call follows a
 * silence; a farm wakes to spend.
 *
 * What it spares, and why: the same test needs a second signal (a shared
 * device build, lockstep, rejections) to raise anything, as newness always
 * did. A push notification wakes dormant users over the tenant's usual
 * networks and phones (no group concentrates it, and the tenant's own wake
 * rate rises with it); the morning return of a school or office wakes one
 * /24, but its phones are the people's own mix (no shared build). Blind spot
 * (false alarm): a company's managed fleet of one phone model behind its
 * office /24, arriving within a quarter of an hour, reads as an aged farm;
 * yesterday's arrival would tell it apart, but the window does not hold it.
 * Blind spot (miss): a farm that keeps its members warm (a call every few
 * minutes during the idle stretch) never wakes; its members then have long
 * histories of activity that the rest of the farm signals read.
 */
export const WAKE_MIN_REQUESTS = 3

/** Whether the install's current burst started at or after `since` with at least WAKE_MIN_REQUESTS requests in it. */
export function awakeSince(i: FarmInstall, since: number): boolean {
  return i.first_active !== undefined && i.first_active >= since && (i.burst_requests ?? 0) >= WAKE_MIN_REQUESTS
}

/** Of the installs awake since `since`, those seen before their burst (woken, not new). */
export function wokenSince(list: FarmInstall[], since: number): FarmInstall[] {
  return list.filter((i) => awakeSince(i, since) && i.first_seen < i.first_active! - 60_000)
}
