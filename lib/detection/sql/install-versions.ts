/**
 * Every app version an install sent requests from over [from, to), from the
 * raw events (ordered by tenant and install, so a list of installs is a short
 * read). install_profile keeps one version per install (anyLast, not the
 * newest across parts), which misjudges an install that upgraded during the
 * window: the bombing tests rebase an install on any moved version it used.
 */
export const installVersionsSql = (db: string) => `
SELECT install_id, groupUniqArray(app_version) AS versions
FROM ${db}.events
WHERE tenant_id = {tenant:String} AND install_id IN {installs:Array(String)}
  AND ts >= toDateTime64({from:UInt32}, 3, 'UTC') AND ts < toDateTime64({to:UInt32}, 3, 'UTC')
  AND type IN ('llm_request', 'stream')
GROUP BY install_id`
