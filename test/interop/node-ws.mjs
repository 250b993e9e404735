// Interop: the npm package `ws` against `gateway --echo`.
// Usage: WS_MODULE=/path/to/node_modules/ws node node-ws.mjs PORT
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
const require = createRequire(import.meta.url);
const WebSocket = require(process.env.WS_MODULE);
const url = `ws://127.0.0.1:${process.argv[2]}/`;
let failed = 0;
const check = (ok, what) => { console.log(`${ok ? 'ok' : 'FAIL'} - node ws: ${what}`); if (!ok) failed++; };

function open() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 64 << 20 });
    const queue = [], waiters = [];
    ws.on('message', (data, isBinary) => {
      const m = { data: Buffer.from(data), isBinary };
      waiters.length ? waiters.shift()(m) : queue.push(m);
    });
    ws.next = () => new Promise((res) => (queue.length ? res(queue.shift()) : waiters.push(res)));
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

const ws = await open();
check(ws.extensions === '' && ws.protocol === '', 'no extension or subprotocol negotiated');
for (const size of [0, 1, 125, 126, 127, 65535, 65536, 1 << 20, 16 << 20]) {
  const bin = randomBytes(size);
  ws.send(bin, { binary: true });
  let m = await ws.next();
  check(m.isBinary && m.data.equals(bin), `binary echo of ${size} bytes`);
  // exactly `size` bytes of UTF-8 with characters of every length
  const text = 'aé€😀'.repeat(Math.floor(size / 10)) + 'a'.repeat(size % 10);
  ws.send(text);
  m = await ws.next();
  check(!m.isBinary && m.data.toString('utf8') === text, `text echo of ${Buffer.byteLength(text)} bytes`);
}
// a fragmented message: three frames, FIN on the last
const parts = [randomBytes(1000), randomBytes(70000), randomBytes(3)];
ws.send(parts[0], { binary: true, fin: false });
ws.send(parts[1], { binary: true, fin: false });
ws.send(parts[2], { binary: true, fin: true });
const whole = await ws.next();
check(whole.data.equals(Buffer.concat(parts)), 'fragmented message echoed whole');
// ping/pong with payload
const pong = new Promise((res) => ws.once('pong', res));
ws.ping(Buffer.from('are you there'));
check((await pong).toString() === 'are you there', 'pong carries the ping payload');
// clean close: our code comes back
const closed = new Promise((res) => ws.once('close', (code, reason) => res({ code, reason: reason.toString() })));
ws.close(4001, 'done');
const c = await closed;
check(c.code === 4001, `close handshake echoes the code (${c.code})`);
console.log(`node ws: ${failed ? 'FAILED' : 'all ok'}`);
process.exit(failed ? 1 : 0);
