"""Interop: Debian's python3-websockets against `gateway --echo`. Usage: python3 ... PORT"""
import asyncio, os, sys
import websockets

URL = "ws://127.0.0.1:%s/" % sys.argv[1]
failed = 0

def check(ok, what):
    global failed
    print("%s - python websockets: %s" % ("ok" if ok else "FAIL", what), flush=True)
    failed += 0 if ok else 1

async def main():
    async with websockets.connect(URL, max_size=None, compression=None) as ws:
        for size in (0, 1, 125, 126, 127, 65535, 65536, 1 << 20, 16 << 20):
            data = os.urandom(size)
            await ws.send(data)
            check(await ws.recv() == data, "binary echo of %d bytes" % size)
            text = ("aé€😀" * (size // 4 + 1))[:size // 4]
            await ws.send(text)
            check(await ws.recv() == text, "text echo of %d characters" % len(text))
        # an iterable is sent as one fragmented message
        parts = ["frag", "mént", "ed ✓"]
        await ws.send(iter(parts))
        check(await ws.recv() == "".join(parts), "fragmented text echoed whole")
        waiter = await ws.ping(b"ping-payload")
        await asyncio.wait_for(waiter, 10)
        check(True, "ping answered by a pong with the same payload")
        await ws.close(code=1000, reason="bye")
        check(ws.close_code == 1000, "clean close, code %s" % ws.close_code)

asyncio.run(main())
print("python websockets: %s" % ("FAILED" if failed else "all ok"))
sys.exit(1 if failed else 0)
