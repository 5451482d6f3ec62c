// The short fields of the template: title (Y.Text), commitment data and contacts (Y.Map).
import type * as Y from 'yjs'
import { useEffect, useRef, useState } from 'preact/hooks'
import { bindMapField, bindMapText, bindText, readString } from '../collab/bindings'
import type { DocumentConnection } from '../collab/connection'
import { CONTACT_FIELDS, META_FIELDS, OGP_VALUES, fieldLabel, groupLabel } from '../collab/template'
import { t } from '../i18n'
import { NoteCount } from './Notes'

type FieldElement = HTMLInputElement | HTMLTextAreaElement

function useFocusSection(conn: DocumentConnection, section: string) {
  return {
    onFocus: () => conn.setSection(section),
    onBlur: () => conn.setSection(null),
  }
}

export function TitleField({ conn, editable }: { conn: DocumentConnection; editable: boolean }) {
  const ref = useRef<HTMLTextAreaElement>(null)
  useEffect(() => bindText(ref.current!, conn.doc.getText('title'), conn), [conn])
  return (
    <div class="field">
      <label for="field-title">
        {fieldLabel('title')} <NoteCount column="title" />
      </label>
      <textarea
        id="field-title"
        ref={ref}
        rows={2}
        class="title-input"
        readOnly={!editable}
        data-field="title"
        {...useFocusSection(conn, 'title')}
      />
    </div>
  )
}

function MapField(props: {
  conn: DocumentConnection
  map: Y.Map<unknown>
  name: string
  label: string
  type: string
  editable: boolean
  section: string
  idPrefix: string
}) {
  const { conn, map, name, label, type, editable, section, idPrefix } = props
  const ref = useRef<FieldElement>(null)
  // Dates are whole values (last writer wins); prose merges character by character.
  const bind = type === 'date' ? bindMapField : bindMapText
  useEffect(() => bind(ref.current!, map, name, conn), [conn, map, name])
  const id = `${idPrefix}-${name}`
  const focus = useFocusSection(conn, section)
  return (
    <div class={`field field-${name}`}>
      <label for={id}>{label}</label>
      {type === 'textarea' ? (
        <textarea id={id} ref={ref as preact.Ref<HTMLTextAreaElement>} rows={2} readOnly={!editable} data-field={name} {...focus} />
      ) : (
        <input id={id} ref={ref as preact.Ref<HTMLInputElement>} type={type} readOnly={!editable} data-field={name} {...focus} />
      )}
    </div>
  )
}


export function MetaFields({ conn, editable }: { conn: DocumentConnection; editable: boolean }) {
  const map = conn.doc.getMap<unknown>('meta')
  return (
    <div class="grid meta">
      {META_FIELDS.map(([name, type]) => (
        <MapField key={name} conn={conn} map={map} name={name} label={fieldLabel(`meta.${name}`)} type={type} editable={editable} section="meta" idPrefix="meta" />
      ))}
    </div>
  )
}

export function Contacts({ conn, editable }: { conn: DocumentConnection; editable: boolean }) {
  const map = conn.doc.getMap<unknown>('contacts')
  return (
    <section class="field" aria-labelledby="contacts-heading">
      <h2 id="contacts-heading">
        {groupLabel('contacts')} <NoteCount column="contacts" />
      </h2>
      <div class="grid contacts">
        {CONTACT_FIELDS.map(([name, type]) => (
          <MapField key={name} conn={conn} map={map} name={name} label={fieldLabel(`contacts.${name}`)} type={type} editable={editable} section="contacts" idPrefix="contact" />
        ))}
      </div>
    </section>
  )
}

function tickedValues(map: Y.Map<unknown>): string[] {
  const value = map.get('ogp_values')
  if (Array.isArray(value)) return value.map(String)
  if (value && typeof (value as Y.Array<unknown>).toArray === 'function') return (value as Y.Array<unknown>).toArray().map(String)
  return []
}

/** Which OGP values the commitment claims (meta.ogp_values); section E says how. */
export function OgpValues({ conn, editable }: { conn: DocumentConnection; editable: boolean }) {
  const map = conn.doc.getMap<unknown>('meta')
  const [ticked, setTicked] = useState(() => tickedValues(map))
  useEffect(() => {
    const refresh = (event: Y.YMapEvent<unknown>): void => {
      if (event.keysChanged.has('ogp_values')) setTicked(tickedValues(map))
    }
    map.observe(refresh)
    setTicked(tickedValues(map))
    return () => map.unobserve(refresh)
  }, [map])
  const toggle = (value: string, on: boolean): void => {
    const next = OGP_VALUES.filter((v) => (v === value ? on : ticked.includes(v)))
    conn.doc.transact(() => map.set('ogp_values', next), conn)
  }
  return (
    <fieldset class="field ogp-values">
      <legend>{fieldLabel('meta.ogp_values')}</legend>
      {OGP_VALUES.map((value) => (
        <label key={value} class="check">
          <input
            type="checkbox"
            checked={ticked.includes(value)}
            disabled={!editable}
            onChange={(event) => toggle(value, event.currentTarget.checked)}
            data-value={value}
          />{' '}
          {fieldLabel(`ogp_values.${value}`)}
        </label>
      ))}
    </fieldset>
  )
}

function useShared<T>(observe: (refresh: () => void) => () => void, read: () => T): T {
  const [value, setValue] = useState(read)
  useEffect(() => {
    const refresh = (): void => setValue(read())
    refresh()
    return observe(refresh)
  }, [observe])
  return value
}

/** "Komitmen 3: Open social welfare data", live as people type. */
export function CommitmentHeading({ conn, commitment }: { conn: DocumentConnection; commitment: { number: string; title: string } }) {
  const meta = conn.doc.getMap<unknown>('meta')
  const title = conn.doc.getText('title')
  const [observe] = useState(() => (refresh: () => void) => {
    meta.observe(refresh)
    title.observe(refresh)
    return () => {
      meta.unobserve(refresh)
      title.unobserve(refresh)
    }
  })
  const [number, text] = useShared(observe, () => [readString(meta.get('number')), title.toString()])
  // The plan's register names the commitment until its document says otherwise.
  const heading = t('editor.heading', { number: number || commitment.number }).trim()
  const shown = text || commitment.title
  return (
    <>
      {heading}
      {shown && <span class="heading-title">: {shown}</span>}
    </>
  )
}
