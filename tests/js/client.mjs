// The real JavaScript Yjs client (yjs + y-websocket's WebsocketProvider, unmodified) editing a
// Kokreasi document alongside pycrdt clients. Driven by tests/server/test_js_interop.py.
//
// usage: node client.mjs <ws-base-url> <document-id> <token> <label> <count> <expected-json>
//   inserts "[<label><i>]" <count> times at the end of the text "text", then waits until the
//   text contains every string of <expected-json>, and prints one JSON line:
//   {"text": ..., "users": [awareness user fields seen], "denied": [reasons]}
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'

const [serverUrl, documentId, token, label, countText, expectedJson] = process.argv.slice(2)
const count = Number(countText)
const expected = JSON.parse(expectedJson)
const deadline = Date.now() + 20000

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const doc = new Y.Doc()
const denied = []
const provider = new WebsocketProvider(serverUrl, documentId, doc, {
  WebSocketPolyfill: WebSocket,
  params: { token },
  disableBc: true,
})
provider.on('connection-close', (event) => {
  if (event && event.code >= 4000) {
    console.log(JSON.stringify({ closed: event.code, reason: event.reason }))
    process.exit(3)
  }
})
// A forged identity the server must overwrite with the authenticated one.
provider.awareness.setLocalStateField('user', { name: 'Somebody Else', color: '#000000' })

while (!provider.synced) {
  if (Date.now() > deadline) { console.error('never synced'); process.exit(2) }
  await sleep(10)
}
const text = doc.getText('text')
for (let i = 0; i < count; i++) {
  text.insert(text.length, `[${label}${i}]`)
  await sleep(2)
}
while (!expected.every((marker) => text.toString().includes(marker))) {
  if (Date.now() > deadline) {
    console.error(`missing markers; text is ${text.toString()}`)
    process.exit(2)
  }
  await sleep(10)
}
await sleep(100) // let awareness from the others arrive
const users = [...provider.awareness.getStates().entries()]
  .filter(([clientId]) => clientId !== doc.clientID)
  .map(([, state]) => state.user)
console.log(JSON.stringify({ text: text.toString(), users, denied, clientId: doc.clientID }))
provider.destroy()
process.exit(0)
