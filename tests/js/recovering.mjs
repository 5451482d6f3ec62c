// A real Yjs client (yjs + y-websocket 3.x's WebsocketProvider, unmodified, default
// reconnection rules) meeting the server's refusals. Driven by tests/server/test_js_refusals.py.
//
// usage: node recovering.mjs <ws-base-url> <document-id> <token> <scenario>
//   retry:   sync, then insert "[retried]" into the text "title" and wait until it is saved
//            by the server (seen through a second, fresh provider); a refusal with a
//            transient close code must not stop the provider.
//   refused: sync, write into the root "scratch" (outside the template: refused for good),
//            wait for the provider to stop ("closed" event), then do what an application
//            does: load the document afresh (a new Y.Doc and provider) and insert
//            "[after recovery]" into "title", and wait until a fresh reader sees it.
// Prints one JSON line: {"closes": [[code, reason], ...], "denied": [reasons], "title": ...}
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'

const [serverUrl, documentId, token, scenario] = process.argv.slice(2)
const deadline = Date.now() + 25000
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const closes = []
const denied = []
const stopped = []

function open (doc) {
  const provider = new WebsocketProvider(serverUrl, documentId, doc, {
    WebSocketPolyfill: WebSocket,
    params: { token },
    disableBc: true,
    maxBackoffTime: 500,
  })
  provider.on('connection-close', (event) => {
    if (event) closes.push([event.code, event.reason])
  })
  provider.on('closed', (event) => stopped.push([event.code, event.reason]))
  const auth = provider.messageHandlers[2]
  provider.messageHandlers[2] = (encoder, decoder, p, emitSynced, type) => {
    // var-uint 0 (permission denied), then the reason as a var-string; read a copy and leave
    // the decoder to y-websocket's own handler
    const bytes = decoder.arr.subarray(decoder.pos + 1)
    let length = 0
    let i = 0
    for (let shift = 0; ; i++, shift += 7) {
      length |= (bytes[i] & 0x7f) << shift
      if (bytes[i] < 0x80) break
    }
    denied.push(new TextDecoder().decode(bytes.subarray(i + 1, i + 1 + length)))
    auth(encoder, decoder, p, emitSynced, type)
  }
  return provider
}

async function until (condition, what) {
  while (!condition()) {
    if (Date.now() > deadline) {
      console.error(`timed out waiting for ${what}; closes ${JSON.stringify(closes)}`)
      process.exit(2)
    }
    await sleep(10)
  }
}

async function seenByAFreshReader (marker) {
  const doc = new Y.Doc()
  const reader = open(doc)
  await until(() => reader.synced && doc.getText('title').toString().includes(marker),
    `a fresh reader to see ${marker}`)
  reader.destroy()
}

let doc = new Y.Doc()
let provider = open(doc)
if (scenario === 'retry') {
  // The first attempts are refused as transient (1013); the provider keeps trying.
  await until(() => provider.synced, 'the first sync')
  doc.getText('title').insert(0, '[retried]')
  await seenByAFreshReader('[retried]')
} else {
  await until(() => provider.synced, 'the first sync')
  doc.getMap('scratch').set('note', 'not in the template')
  await until(() => stopped.length > 0, 'the provider to stop after the refusal')
  provider.destroy()
  doc.destroy()
  doc = new Y.Doc()
  provider = open(doc)
  await until(() => provider.synced, 'the sync after reloading')
  doc.getText('title').insert(0, '[after recovery]')
  await seenByAFreshReader('[after recovery]')
}
console.log(JSON.stringify({ closes, stopped, denied, title: doc.getText('title').toString() }))
provider.destroy()
process.exit(0)
