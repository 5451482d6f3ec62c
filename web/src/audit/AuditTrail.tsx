// The signed checkpoints of the log, newest first, and how to check them without trusting us.
import { api } from '../api'
import { t, useLang } from '../i18n'
import { useMe } from '../session'
import { ActionResult, useAction } from '../ui/forms'
import { Loading } from '../ui/Loading'
import { useLoad } from '../ui/useLoad'
import { CHECKPOINTS_URL, consistencyUrl, KEYS_URL, keyOf, newestFirst, type Checkpoint, type Checkpoints } from './exports'
import { CopyButton, Hash } from './Hash'

function formatTime(iso: string, lang: string): string {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  return date.toLocaleString(lang === 'id' ? 'id-ID' : 'en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZone: 'UTC',
    timeZoneName: 'short',
  })
}

export function CheckpointList({ checkpoints }: { checkpoints: Checkpoint[] }) {
  const lang = useLang()
  if (checkpoints.length === 0) return <p class="muted">{t('audit.none')}</p>
  return (
    <ol class="checkpoints" aria-label={t('audit.checkpoints')} data-testid="checkpoints">
      {newestFirst(checkpoints).map((c) => (
        <li key={`${c.tree_size}-${keyOf(c)}-${c.time}`} class="checkpoint" data-tree-size={c.tree_size}>
          <dl>
            <div>
              <dt>{t('audit.size')}</dt>
              <dd data-testid="tree-size">{c.tree_size}</dd>
            </div>
            <div>
              <dt>{t('audit.root')}</dt>
              <dd>
                <Hash value={c.root} what={t('audit.root').toLowerCase()} />
              </dd>
            </div>
            <div>
              <dt>{t('audit.time')}</dt>
              <dd>
                <time dateTime={c.time}>{formatTime(c.time, lang)}</time>
              </dd>
            </div>
            <div>
              <dt>{t('audit.key')}</dt>
              <dd>
                <Hash value={keyOf(c)} what={t('audit.key').toLowerCase()} />
              </dd>
            </div>
            <div>
              <dt>{t('audit.note')}</dt>
              <dd>
                <span class="hash">
                  <CopyButton value={c.note} what={t('audit.note').toLowerCase()} />
                </span>{' '}
                <a href={consistencyUrl(c.tree_size)}>{t('audit.proof')}</a>
              </dd>
            </div>
          </dl>
        </li>
      ))}
    </ol>
  )
}

function SignNow({ onSigned }: { onSigned: () => void }) {
  const action = useAction()
  const sign = async (): Promise<void> => {
    const ok = await action.run(async () => {
      const made = await api.post<Checkpoint>(CHECKPOINTS_URL)
      return t('audit.signed', { size: made.tree_size, root: made.root })
    })
    if (ok) onSigned()
  }
  return (
    <div class="sign-now">
      <button type="button" onClick={() => void sign()} disabled={action.busy} aria-busy={action.busy}>
        {t('audit.signNow')}
      </button>
      <ActionResult action={action} />
    </div>
  )
}

/** How to verify offline, with the command and its options set as code. */
function VerifyHelp() {
  const code: Record<string, string> = {
    command: `kokreasi audit verify ${t('audit.verifyFile')}`,
    options: '--keys KEYS.json --consistency PROOF.json',
  }
  const parts = t('audit.verify', { command: '\u0000command\u0000', options: '\u0000options\u0000' }).split('\u0000')
  return <p>{parts.map((part, index) => (index % 2 === 1 ? <code key={index}>{code[part]}</code> : part))}</p>
}

/** The audit trail section; the Secretariat also gets a button to sign a checkpoint now. */
export function AuditTrail({ headingLevel = 2 }: { headingLevel?: 2 | 3 }) {
  useLang()
  const me = useMe()
  const [state, reload] = useLoad(() => api.get<Checkpoints>(CHECKPOINTS_URL), [], 60000)
  const Heading = headingLevel === 2 ? 'h2' : 'h3'
  return (
    <section class="panel audit-trail" aria-labelledby="audit-trail-title" data-testid="audit-trail">
      <Heading id="audit-trail-title">{t('audit.title')}</Heading>
      <p>{t('audit.intro')}</p>
      <VerifyHelp />
      <ul class="links">
        <li>
          <a href={KEYS_URL}>{t('audit.keys')}</a>
        </li>
        <li>
          <a href={CHECKPOINTS_URL}>{t('audit.all')}</a>
        </li>
      </ul>
      {me?.stakeholder === 'secretariat' && <SignNow onSigned={reload} />}
      <Loading state={state}>{({ checkpoints }) => <CheckpointList checkpoints={checkpoints} />}</Loading>
    </section>
  )
}
