// Stage compare: word-level differences between two versions, with who made each change.
import { useEffect, useState } from 'preact/hooks'
import { SECTIONS, rootLabel } from '../collab/template'
import { serverText, t } from '../i18n'
import { stageName } from '../ui/stages'
import { loadComparison, loadSnapshots, personLabel, type Comparison, type Person, type Snapshot } from './data'

function who(people: (Person | null)[]): string {
  const unknown = t('hist.unknown')
  return [...new Set(people.map((p) => personLabel(p, unknown)))].join(', ') || unknown
}

export function Compare({ documentId }: { documentId: string }) {
  const [snapshots, setSnapshots] = useState<Snapshot[] | null>(null)
  const [from, setFrom] = useState('')
  const [to, setTo] = useState('now')
  const [result, setResult] = useState<Comparison | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    loadSnapshots(documentId).then(
      (list) => {
        setSnapshots(list)
        if (list.length > 0) setFrom(list[list.length - 1].label)
      },
      () => setSnapshots([]),
    )
  }, [documentId])
  const versions = [...(snapshots ?? []).map((s) => [s.label, t('hist.asAgreed', { stage: stageName(s.label) })]), ['now', t('hist.now')]]
  const run = (event: Event): void => {
    event.preventDefault()
    setError(null)
    loadComparison(documentId, from, to).then(setResult, (e: unknown) => setError(serverText(e instanceof Error ? e.message : String(e))))
  }
  const sections = ['title', ...SECTIONS]
  return (
    <section class="panel" aria-labelledby="compare-heading">
      <h2 id="compare-heading">{t('hist.compare')}</h2>
      {snapshots && snapshots.length === 0 && <p class="muted">{t('hist.noSnapshots')}</p>}
      {snapshots && snapshots.length > 0 && (
        <form class="compare-form" onSubmit={run}>
          <div class="field">
            <label for="compare-from">{t('hist.from')}</label>
            <select id="compare-from" value={from} onChange={(e) => setFrom(e.currentTarget.value)}>
              {versions.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="compare-to">{t('hist.to')}</label>
            <select id="compare-to" value={to} onChange={(e) => setTo(e.currentTarget.value)}>
              {versions.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </div>
          <button type="submit">{t('hist.show')}</button>
        </form>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {result && (
        <div class="comparison" data-testid="comparison" aria-live="polite">
          {sections.every((name) => (result.sections[name] ?? []).length === 0) && <p>{t('hist.noChanges')}</p>}
          {sections
            .filter((name) => (result.sections[name] ?? []).length > 0)
            .map((name) => (
              <div key={name} data-section={name}>
                <h3>{rootLabel(name)}</h3>
                <ul class="changes">
                  {result.sections[name].map((change, index) => (
                    <li key={index} class="change">
                      {change.removed.trim() && (
                        <p>
                          <del>{change.removed}</del>{' '}
                          <span class="muted">
                            {change.removed_by.length
                              ? t('hist.removed', { who: who(change.removed_by) })
                              : t('hist.removedText', { who: who(change.removed_text_by) })}
                          </span>
                        </p>
                      )}
                      {change.added.trim() && (
                        <p>
                          <ins>{change.added}</ins> <span class="muted">{t('hist.added', { who: who(change.added_by) })}</span>
                        </p>
                      )}
                    </li>
                  ))}
                </ul>
              </div>
            ))}
        </div>
      )}
    </section>
  )
}
