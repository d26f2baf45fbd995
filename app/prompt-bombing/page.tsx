import { PromptBombingView } from '@/components/views/prompt-bombing/PromptBombingView'

export default function PromptBombingPage() {
  return <PromptBombingView />
}
