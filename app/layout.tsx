import type { Metadata } from 'next'
import { Suspense, type ReactNode } from 'react'
import { Providers } from '@/components/providers'
import { Shell } from '@/components/shell/Shell'
import { themeBootScript } from '@/components/shell/theme'
import './globals.css'

export const metadata: Metadata = {
  title: 'Burnrate',
  description: 'Abuse and cost analytics for LLM features in mobile apps',
}

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en" data-theme="dark" suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: themeBootScript }} />
      </head>
      <body>
        <Providers>
          {/* The shell reads the URL (range, tenant); Suspense lets Next render it on the client. */}
          <Suspense fallback={null}>
            <Shell>{children}</Shell>
          </Suspense>
        </Providers>
      </body>
    </html>
  )
}
