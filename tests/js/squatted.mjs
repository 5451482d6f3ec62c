// A real Yjs client (yjs + y-websocket's WebsocketProvider, unmodified) whose client id a
// co-author reads from its presence and tries to write with first. Driven by
// tests/server/test_client_ids.py.
//
// usage: node squatted.mjs <ws-base-url> <document-id> <token> <marker>
//   announces its presence, prints {"clientId": ...} once synced, then reads stdin: "type"
//   inserts <marker> at the end of the text "text"; "exit" prints
//   {"text": ..., "closes": [close codes >= 4000 seen]} and exits.
import readline from 'node:readline'
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'

const [serverUrl, documentId, token, marker] = process.argv.slice(2)
const deadline = Date.now() + 20000
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const doc = new Y.Doc()
const closes = []
const provider = new WebsocketProvider(serverUrl, documentId, doc, {
  WebSocketPolyfill: WebSocket,
  params: { token },
  disableBc: true,
})
provider.on('connection-close', (event) => {
  if (event && event.code >= 4000) closes.push(event.code)
})
provider.awareness.setLocalStateField('cursor', null)

while (!provider.synced) {
  if (Date.now() > deadline) { console.error('never synced'); process.exit(2) }
  await sleep(10)
}
console.log(JSON.stringify({ clientId: doc.clientID }))
const text = doc.getText('text')
for await (const line of readline.createInterface({ input: process.stdin })) {
  if (line === 'type') text.insert(text.length, marker)
  if (line === 'exit') break
}
console.log(JSON.stringify({ text: text.toString(), closes }))
provider.destroy()
process.exit(0)
