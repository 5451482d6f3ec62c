// The milestones table: a Y.Array of Y.Maps, at most five rows, each field a string.
import * as Y from 'yjs'
import { useEffect, useRef, useState } from 'preact/hooks'
import { bindMapField, bindMapText } from '../collab/bindings'
import type { DocumentConnection } from '../collab/connection'
import { MAX_MILESTONES, MILESTONE_FIELDS, fieldLabel, groupLabel, type MilestoneField } from '../collab/template'
import { t } from '../i18n'
import { NoteCount } from './Notes'

const rowIds = new WeakMap<Y.Map<unknown>, number>()
let nextRowId = 1
function rowId(row: Y.Map<unknown>): number {
  let id = rowIds.get(row)
  if (id === undefined) {
    id = nextRowId++
    rowIds.set(row, id)
  }
  return id
}

const TYPES: Record<MilestoneField, string> = {
  activity: 'textarea',
  deliverable: 'textarea',
  start: 'date',
  end: 'date',
  output: 'textarea',
  actors: 'textarea',
}

function Cell(props: { conn: DocumentConnection; row: Y.Map<unknown>; field: MilestoneField; n: number; editable: boolean }) {
  const { conn, row, field, n, editable } = props
  const ref = useRef<HTMLInputElement & HTMLTextAreaElement>(null)
  const bind = TYPES[field] === 'date' ? bindMapField : bindMapText
  useEffect(() => bind(ref.current!, row, field, conn), [conn, row, field])
  const id = `ms-${rowId(row)}-${field}`
  const common = {
    id,
    ref,
    readOnly: !editable,
    'data-field': field,
    onFocus: () => conn.setSection('milestones'),
    onBlur: () => conn.setSection(null),
  }
  return (
    <div class={`cell cell-${field}`}>
      <label for={id}>
        {fieldLabel(`milestones.${field}`)} <span class="visually-hidden">({t('editor.ms.row', { n })})</span>
      </label>
      {TYPES[field] === 'textarea' ? <textarea rows={2} {...common} /> : <input type={TYPES[field]} {...common} />}
    </div>
  )
}

export function Milestones({ conn, editable }: { conn: DocumentConnection; editable: boolean }) {
  const array = conn.doc.getArray<Y.Map<unknown>>('milestones')
  const [rows, setRows] = useState(() => array.toArray())
  useEffect(() => {
    const refresh = (): void => setRows(array.toArray())
    refresh()
    array.observe(refresh)
    return () => array.unobserve(refresh)
  }, [array])
  const add = (): void => {
    conn.doc.transact(() => {
      const row = new Y.Map<unknown>()
      for (const field of MILESTONE_FIELDS) row.set(field, TYPES[field] === 'date' ? '' : new Y.Text())
      array.push([row])
    }, conn)
  }
  const remove = (index: number): void => {
    conn.doc.transact(() => array.delete(index, 1), conn)
  }
  const full = rows.length >= MAX_MILESTONES
  return (
    <section class="field" aria-labelledby="milestones-heading">
      <h2 id="milestones-heading">
        {groupLabel('milestones')} <NoteCount column="milestones" />
      </h2>
      <p class="help" id="milestones-help">
        {t('editor.milestonesHelp')}
      </p>
      {rows.length === 0 && <p class="empty">{t('editor.ms.none')}</p>}
      <ol class="milestones" aria-describedby="milestones-help">
        {rows.map((row, index) => (
          <li key={rowId(row)} class="milestone" aria-label={t('editor.ms.row', { n: index + 1 })}>
            <span class="ms-number" aria-hidden="true">
              {index + 1}
            </span>
            {MILESTONE_FIELDS.map((field) => (
              <Cell key={field} conn={conn} row={row} field={field} n={index + 1} editable={editable} />
            ))}
            {editable && (
              <button type="button" class="link danger" onClick={() => remove(index)}>
                {t('editor.ms.remove', { n: index + 1 })}
              </button>
            )}
          </li>
        ))}
      </ol>
      {editable && (
        <p>
          <button type="button" onClick={add} disabled={full} aria-describedby={full ? 'milestones-full' : undefined}>
            {t('editor.ms.add')}
          </button>{' '}
          {full && <span id="milestones-full">{t('editor.ms.full')}</span>}
        </p>
      )}
    </section>
  )
}
