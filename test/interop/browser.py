#!/usr/bin/python3
"""make interop: open a page in headless Chromium and print what it shows.

browser.py URL [CHROMIUM_FLAG...]: for browser.html, the text of #r once it
is no longer "pending" (the page's WebSocket opened and got a message, or
failed); for any other page, the body's text once loaded.

browser.py status URL TOKEN PNG: the daemon's status page. It must ask for
the token; the token is typed in; the page must show the version, the port
and one client (itself); then a second client connects (from here) and the
page must list it. A screenshot goes to PNG. One line is printed per step.

Chromium is driven over its DevTools protocol, so every wait is for an
event (a load, a change of the page), never for a clock.
"""
import asyncio
import base64
import json
import os
import shutil
import signal
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


# true once the condition holds: checked now and on every change of the page
UNTIL = """new Promise(done => {
  const ok = () => { try { return Boolean(%s); } catch (e) { return false; } };
  if (ok()) return done(true);
  new MutationObserver(() => ok() && done(true)).observe(document.documentElement,
    {childList: true, subtree: true, characterData: true, attributes: true});
})"""


async def show(url, flags, status=None):
    profile = tempfile.mkdtemp(prefix="gateway-chromium-")
    chromium = subprocess.Popen(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--user-data-dir=" + profile,
         "--remote-debugging-port=0", *flags, "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True)         # its own group: its helpers are stopped with it
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
            if status:
                async def js(expression, wait=False):
                    r = await call("Runtime.evaluate", session, expression=UNTIL % expression if wait else expression,
                                   awaitPromise=wait, returnByValue=True)
                    return r["result"].get("value")
                return await status_page(js, call, session, *status)
            result = await call("Runtime.evaluate", session, expression=RESULT,
                                awaitPromise=True, returnByValue=True)
            return result["result"].get("value", "").strip()
    finally:
        os.killpg(chromium.pid, signal.SIGKILL)
        chromium.wait()
        shutil.rmtree(profile, ignore_errors=True)


async def status_page(js, call, session, url, token, png):
    """The steps of the status page check; each prints ok or FAIL."""
    say = lambda ok, what: print(("ok - " if ok else "FAIL - ") + "status page: " + what, flush=True)
    text = lambda id: js(f'document.getElementById("{id}").textContent')
    await js('!document.getElementById("auth").hidden', wait=True)
    say("token" in await text("state"), "with a token set, it asks for it: " + await text("state"))
    await js(f'(document.getElementById("token").value = {json.dumps(token)}, '
             'document.getElementById("auth").requestSubmit(), true)')
    await js('document.getElementById("state").textContent === "connected" && '
             'document.getElementById("count").textContent === "1"', wait=True)
    version, port, uptime = await text("version"), await text("port"), await text("uptime")
    say(version != "" and port == url.split(":")[2].split("/")[0] and uptime.endswith(" s"),
        f"connected over its WebSocket: version {version}, port {port}, uptime {uptime}, 1 client (itself)")
    # a second client joins: the page must show it, live
    ws_url = "ws://" + url.split("//")[1].split("/")[0] + "/"
    async with websockets.connect(ws_url) as other:
        await other.recv()                      # the challenge
        await other.send(json.dumps({"type": "req", "id": "c", "method": "connect", "params": {
            "minProtocol": 4, "maxProtocol": 4, "auth": {"token": token},
            "client": {"id": "openclaw-tui", "version": "1", "platform": "linux", "mode": "ui",
                       "displayName": "second"}}}))
        await other.recv()                      # hello-ok
        await js('document.getElementById("count").textContent === "2" && '
                 'document.getElementById("clients").textContent.includes("openclaw-tui")', wait=True)
        # (a CLI would not be listed: the real gateway leaves CLI, backend and probe clients out)
        say(True, "a second client connects: the page lists 2 clients, the new one as openclaw-tui")
        shot = await call("Page.captureScreenshot", session, format="png")
        with open(png, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        say(True, "screenshot saved to " + png)
    return ""


if __name__ == "__main__":
    if sys.argv[1] == "status":
        url, token, png = sys.argv[2:5]
        asyncio.run(asyncio.wait_for(show(url, [], (url, token, png)), 60))
    else:
        print(asyncio.run(asyncio.wait_for(show(sys.argv[1], sys.argv[2:]), 60)))
