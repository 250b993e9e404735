#!/usr/bin/python3
"""make interop: open URL in headless Chromium and print what the page shows.

For browser.html that is the text of #r once it is no longer "pending" (the
page's WebSocket opened and got a message, or failed); for any other page it
is the body's text once loaded. Chromium is driven over its DevTools
protocol, so every wait is for an event, never for a clock.
Usage: browser.py URL [CHROMIUM_FLAG...]
"""
import asyncio
import json
import subprocess
import sys
import tempfile

import websockets

RESULT = """new Promise(done => {
  const r = document.getElementById('r');
  if (!r) return done(document.body ? document.body.innerText : '');
  const settled = () => r.textContent !== 'pending' && done(r.textContent);
  new MutationObserver(settled).observe(r, {childList: true, characterData: true, subtree: true});
  settled();
})"""


async def show(url, flags):
    profile = tempfile.mkdtemp(prefix="gateway-chromium-")
    chromium = subprocess.Popen(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--user-data-dir=" + profile,
         "--remote-debugging-port=0", *flags, "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        for line in chromium.stderr:            # it says where DevTools listens
            if line.startswith("DevTools listening on "):
                endpoint = line.split(" on ", 1)[1].strip()
                break
        else:
            raise SystemExit("chromium did not start")
        async with websockets.connect(endpoint, max_size=None) as ws:
            ids = iter(range(1, 1 << 30))

            async def call(method, session=None, **params):
                msg = {"id": next(ids), "method": method, "params": params}
                if session:
                    msg["sessionId"] = session
                await ws.send(json.dumps(msg))
                while True:
                    got = json.loads(await ws.recv())
                    if got.get("id") == msg["id"]:
                        if "error" in got:
                            raise SystemExit(f"{method}: {got['error']}")
                        return got["result"]
                    events.append(got)

            events = []
            target = (await call("Target.createTarget", url="about:blank"))["targetId"]
            session = (await call("Target.attachToTarget", targetId=target, flatten=True))["sessionId"]
            await call("Page.enable", session)
            await call("Page.navigate", session, url=url)
            while not any(e.get("method") == "Page.loadEventFired" for e in events):
                events.append(json.loads(await ws.recv()))
            result = await call("Runtime.evaluate", session, expression=RESULT,
                                awaitPromise=True, returnByValue=True)
            return result["result"].get("value", "").strip()
    finally:
        chromium.kill()
        chromium.wait()


if __name__ == "__main__":
    print(asyncio.run(asyncio.wait_for(show(sys.argv[1], sys.argv[2:]), 60)))
