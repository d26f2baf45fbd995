import { expect, test } from './fixtures'

test('sign out from the navigation ends the session, for a copy of its cookie too', async ({ signedIn: page, context }) => {
  await page.goto('/')
  const user = page.getByTestId('nav-user')
  await expect(user).toContainText('admin')
  const [cookie] = (await context.cookies()).filter((c) => c.name === 'br_session')
  expect(cookie?.value).toBeTruthy()

  await user.getByRole('button', { name: 'Sign out' }).click()
  await expect(page).toHaveURL(/\/signin$/)
  // Back to a page: the proxy sends an unsigned-in browser to sign in again.
  await page.goto('/cost')
  await expect(page).toHaveURL(/\/signin\?next=%2Fcost/)

  // The old cookie, replayed by hand, is refused by the API.
  const replay = await page.request.get('/api/auth/me', { headers: { cookie: `br_session=${cookie.value}` } })
  expect(replay.status()).toBe(401)
})
