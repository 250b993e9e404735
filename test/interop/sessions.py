# make interop: hold N protocol sessions open (python3-websockets, asyncio) until stdin closes.
# Usage: sessions.py PORT TOKEN N; says "ok - N sessions held" once every one has its hello-ok.
import asyncio
import json
import sys

import websockets


async def session(port, token):
    ws = await websockets.connect("ws://127.0.0.1:%d/" % port)
    await ws.recv()                     # the challenge
    await ws.send(json.dumps({"type": "req", "id": "c", "method": "connect", "params": {
        "minProtocol": 4, "maxProtocol": 4, "role": "operator", "scopes": ["operator.read"],
        "client": {"id": "cli", "version": "1", "platform": "interop", "mode": "cli"},
        "auth": {"token": token}}}))
    while True:
        reply = json.loads(await ws.recv())
        if reply.get("id") == "c":
            if not reply.get("ok"):
                raise SystemExit("FAIL - connect refused: %s" % reply)
            return ws


async def main():
    port, token, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    held = [await session(port, token) for _ in range(n)]
    print("ok - %d sessions held" % n, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    for ws in held:
        await ws.close()


asyncio.run(main())
