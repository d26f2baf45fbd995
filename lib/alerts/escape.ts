/**
 * Client-sent text (app_version, device_model, install and tenant ids,
 * feature names, and the titles and reasons built from them) is untrusted.
 * Stored data keeps it as sent; these make it inert where it is rendered by
 * something other than React: Slack mrkdwn and PagerDuty.
 */

const ZWSP = '\u200b'
// C0/C1 controls and bidi overrides: no place in a one-line label, and they can disguise text.
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g

function cap(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, Math.max(0, max - 1))}…` : s
}

/** One line of plain text: controls removed, whitespace collapsed, at most `max` characters. */
export function plainText(value: unknown, max = 1024): string {
  return cap(
    String(value ?? '')
      .replace(CONTROLS, '')
      .replace(/\s+/g, ' ')
      .trim(),
    max,
  )
}

/**
 * Text for Slack mrkdwn that can neither ping, link nor format: &, <, > are
 * entity-escaped (so <!channel>, <!here>, <@U…> and <url|label> stay text),
 * bare URLs and @channel/@here/@everyone are broken with a zero-width space so
 * Slack does not auto-link or mention, and the formatting marks *, _, ~, ` are
 * separated the same way.
 */
export function slackText(value: unknown, max = 300): string {
  return plainText(value, max)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/:\/\//g, `:${ZWSP}//`)
    .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}${ZWSP}.`)
    .replace(/@(?=[A-Za-z0-9])/g, `@${ZWSP}`)
    .replace(/([*_~`])/g, `${ZWSP}$1${ZWSP}`)
}
