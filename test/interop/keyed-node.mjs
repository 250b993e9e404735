// Interop: a node with its own Ed25519 key (node's crypto, that is OpenSSL),
// which signs a correct proof with it. Forged, it claims another device's id:
// the gateway must refuse it "device identity mismatch" and close 1008.
// Honest (CLAIMED_DEVICE_ID "own"), it must get hello-ok; it prints its id,
// and then leaves, or with "stay" stays connected until it is stopped.
// Usage: WS_MODULE=/path/to/node_modules/ws node keyed-node.mjs PORT TOKEN CLAIMED_DEVICE_ID [stay]
import { createRequire } from 'node:module';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
const require = createRequire(import.meta.url);
const WebSocket = require(process.env.WS_MODULE);
const [port, token, claim, stay] = process.argv.slice(2);
const honest = claim === 'own';
const check = (ok, what) => {
  console.log(`${ok ? 'ok' : 'FAIL'} - ${honest ? 'a node with its own key' : 'forged node'}: ${what}`);
  if (!ok) process.exitCode = 1;
};
const b64url = (b) => Buffer.from(b).toString('base64url');

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
const claimed = honest ? createHash('sha256').update(raw).digest('hex') : claim;
const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
const frames = [];
let closed;
ws.on('message', (data) => {
  frames.push(JSON.parse(data));
  if (frames.length === 1) connect(frames[0].payload.nonce);
  else if (honest && frames.length === 2 && stay) report();
  else if (honest && frames.length === 2) ws.close(1000);
});
ws.on('close', (code, reason) => { closed = { code, reason: reason.toString() }; if (!stay) report(); });
ws.on('error', (e) => { check(false, `socket error ${e.message}`); });

function connect(nonce) {
  const signedAt = Date.now();
  const client = { id: 'node-host', version: '2026.9.6', platform: 'linux', deviceFamily: 'Linux', mode: 'node' };
  const payload = ['v3', claimed, client.id, client.mode, 'node', '', signedAt, token, nonce, 'linux', 'linux'].join('|');
  ws.send(JSON.stringify({ type: 'req', id: 'forged', method: 'connect', params: {
    minProtocol: 3, maxProtocol: 4, client: { ...client, displayName: honest ? 'keyed-node' : 'forged-node' },
    role: 'node', scopes: [], caps: ['system'], commands: ['system.which'],
    auth: { token },
    device: { id: claimed, publicKey: b64url(raw), signature: b64url(sign(null, Buffer.from(payload), privateKey)),
      signedAt, nonce },
  } }));
}

function report() {
  const res = frames[1];
  if (honest) {
    check(res && res.ok === true && res.payload.type === 'hello-ok' && res.payload.auth.deviceToken,
        `hello-ok, paired, with a device token (${JSON.stringify(res && (res.error || res.payload.auth.role))})`);
    console.log(`device ${claimed}`);
    return;
  }
  check(res && res.ok === false && res.error.message === 'device identity mismatch' &&
      res.error.details.code === 'DEVICE_AUTH_DEVICE_ID_MISMATCH',
      `refused "device identity mismatch" (${JSON.stringify(res && res.error)})`);
  check(closed && closed.code === 1008 && closed.reason === 'device identity mismatch',
      `closed 1008 "device identity mismatch" (${JSON.stringify(closed)})`);
}
