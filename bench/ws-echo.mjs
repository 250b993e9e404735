// The npm ws echo server that make bench runs side by side with gateway:
// every message back with its opcode. WS_MODULE names the ws package.
import { createRequire } from 'module';
const require = createRequire(import.meta.url);
const { WebSocketServer } = require(process.env.WS_MODULE);
const wss = new WebSocketServer({ host: '127.0.0.1', port: +process.argv[2], perMessageDeflate: false,
  maxPayload: 16 * 1024 * 1024 });
wss.on('connection', (ws) => ws.on('message', (data, binary) => ws.send(data, { binary })));
wss.on('listening', () => console.log('listening'));
