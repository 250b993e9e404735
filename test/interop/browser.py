#!/usr/bin/python3
"""make interop: open a page in headless Chromium and print what it shows.

browser.py URL [CHROMIUM_FLAG...]: for browser.html, the text of #r once it
is no longer "pending" (the page's WebSocket opened and got a message, or
failed); for any other page, the body's text once loaded.

browser.py status URL TOKEN DIR: the daemon's status page, with a node
connected and waiting for approval. It must ask for the token and say where
it is; a wrong token is refused with advice; opened with #token= (the link
openclaw dashboard gives) it connects and wipes the token from the address
bar, and shows the node waiting; the node is approved (from here) and the
page shows it; a second client connects and is listed. Screenshots at
desktop and phone widths go to DIR/status-*.png. One line per step.

browser.py dashboard URL: the browserUrl that openclaw dashboard opens
(#bootstrapToken=...): the page must wipe it from the address bar and say
what the link is, why it cannot sign in here, and what to do instead.

browser.py follows URL: the status page, opened with #token= through a
tunnel (at another port than the daemon's), must connect; when the tunnel
drops it must say so, and when it comes back, connect again by itself.
A line each, as it happens.

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


async def show(url, flags, status=None, check=None):
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
            events = []

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

            target = (await call("Target.createTarget", url="about:blank"))["targetId"]
            session = (await call("Target.attachToTarget", targetId=target, flatten=True))["sessionId"]
            await call("Page.enable", session)

            async def goto(where):
                events.clear()
                await call("Page.navigate", session, url=where)
                while not any(e.get("method") == "Page.loadEventFired" for e in events):
                    events.append(json.loads(await ws.recv()))

            await goto(url)
            if status:
                async def js(expression, wait=False):
                    r = await call("Runtime.evaluate", session, expression=UNTIL % expression if wait else expression,
                                   awaitPromise=wait, returnByValue=True)
                    return r["result"].get("value")
                return await (check or status_page)(js, call, session, goto, *status)
            result = await call("Runtime.evaluate", session, expression=RESULT,
                                awaitPromise=True, returnByValue=True)
            return result["result"].get("value", "").strip()
    finally:
        os.killpg(chromium.pid, signal.SIGKILL)
        chromium.wait()
        shutil.rmtree(profile, ignore_errors=True)


async def operator(ws_url, token):
    """A CLI-like operator with admin and pairing, as the real CLI connects with the token."""
    other = await websockets.connect(ws_url)
    await other.recv()                          # the challenge
    await other.send(json.dumps({"type": "req", "id": "c", "method": "connect", "params": {
        "minProtocol": 4, "maxProtocol": 4, "auth": {"token": token}, "role": "operator",
        "scopes": ["operator.admin", "operator.pairing"],
        "client": {"id": "cli", "version": "1", "platform": "linux", "mode": "cli"}}}))
    await other.recv()                          # hello-ok
    return other


async def request(ws, method, params):
    await ws.send(json.dumps({"type": "req", "id": method, "method": method, "params": params}))
    while True:
        got = json.loads(await ws.recv())
        if got.get("id") == method:
            return got


async def status_page(js, call, session, goto, url, token, out):
    """The steps of the status page check; each prints ok or FAIL. Screenshots go to out/status-*.png."""
    say = lambda ok, what: print(("ok - " if ok else "FAIL - ") + "status page: " + what, flush=True)
    text = lambda id: js(f'document.getElementById("{id}").textContent')

    async def shot(name):
        for width, height, mobile, suffix in ((1280, 860, False, "desktop"), (390, 844, True, "phone")):
            await call("Emulation.setDeviceMetricsOverride", session, width=width, height=height,
                       deviceScaleFactor=2 if mobile else 1, mobile=mobile)
            png = (await call("Page.captureScreenshot", session, format="png", captureBeyondViewport=True))["data"]
            path = f"{out}/status-{name}-{suffix}.png"
            with open(path, "wb") as f:
                f.write(base64.b64decode(png))
        await call("Emulation.clearDeviceMetricsOverride", session)
        say(True, f"screenshots: {out}/status-{name}-desktop.png and -phone.png")

    await js('!document.getElementById("auth").hidden', wait=True)
    advice = await text("advice")
    say("--token-file" in advice and "openclaw dashboard --no-open --json" in advice,
        "with a token set and none given, it asks, saying where the token is: " + advice)
    await js('(document.getElementById("token").value = "not-the-token", '
             'document.getElementById("auth").requestSubmit(), true)')
    await js('document.getElementById("state").textContent === "wrong token"', wait=True)
    say("not this gateway's token" in await text("advice"), "a wrong token: " + await text("state") + "; " +
        await text("advice"))
    await shot("wrong-token")

    # the link openclaw dashboard gives: the token in the fragment, wiped from the address bar at once
    await goto("about:blank")
    await goto(url + "#token=" + token)
    await js('document.getElementById("state").textContent === "connected" && '
             'document.getElementById("nodes").textContent.includes("waiting for approval")', wait=True)
    say(await js("location.hash") == "" and await js("history.length") >= 1,
        "opened with #token=: connected, and the token is gone from the address bar (" + await js("location.href") + ")")
    version, uptime, conns, mem = await text("version"), await text("uptime"), await text("conns"), await text("mem")
    say(version != "" and uptime != "" and "signed in" in conns and " of " in mem,
        f"shows version {version}, up {uptime}, connections {conns}, memory {mem}, refused {await text('refused')}")
    say("waiting" in await text("pending"), "a node waiting for approval is shown as such: " + await text("nodes") +
        "; " + await text("pending"))
    await shot("pending")

    ws_url = "ws://" + url.split("//")[1].split("/")[0] + "/"
    op = await operator(ws_url, token)
    listed = await request(op, "node.pair.list", {})
    pending = listed["payload"]["pending"]
    approved = await request(op, "node.pair.approve", {"requestId": pending[0]["requestId"]}) if pending else {}
    say(approved.get("ok") is True, "the node approved over the protocol (node.pair.approve)")
    await js('document.getElementById("nodes").textContent.includes("approved") && '
             'document.getElementById("pending").hidden', wait=True)
    say(True, "the page shows it approved, and nothing waiting: " + await text("nodes"))
    # a second client joins: the page must list it, live
    async with websockets.connect(ws_url) as other:
        await other.recv()
        await other.send(json.dumps({"type": "req", "id": "c", "method": "connect", "params": {
            "minProtocol": 4, "maxProtocol": 4, "auth": {"token": token},
            "client": {"id": "openclaw-tui", "version": "1", "platform": "linux", "mode": "ui",
                       "displayName": "second"}}}))
        await other.recv()
        await js('document.getElementById("clients").textContent.includes("openclaw-tui")', wait=True)
        # (a CLI, such as the operator above, is not listed: the real gateway leaves CLI, backend and probe out)
        say(True, "a second client connects: the page lists it as openclaw-tui")
        await shot("approved")
    await op.close()
    return ""


async def dashboard_link(js, call, session, goto, url):
    """The bootstrap link: explained, and wiped from the address bar."""
    await js('!document.getElementById("auth").hidden', wait=True)
    advice = await js('document.getElementById("advice").textContent')
    ok = ("bootstrap token" in advice and "does not read" in advice and "--no-open --json" in advice and
          await js("location.hash") == "")
    print(("ok - " if ok else "FAIL - ") + "status page: the openclaw dashboard link (#bootstrapToken=) is explained, "
          "and wiped: " + advice, flush=True)
    return ""


async def page_follows(js, call, session, goto, url):
    """The status page through a tunnel: connected, then the drop, then connected again; a line each."""
    state = 'document.getElementById("state").textContent'
    say = lambda ok, what: print(("ok - " if ok else "FAIL - ") + "status page through the tunnel: " + what, flush=True)
    await js(state + ' !== "connecting"', wait=True)
    now = await js(state)
    say(now == "connected", "opened with #token= at " + url.split("#")[0] + ": " + now)
    if now == "connected":
        await js(state + ' !== "connected"', wait=True)
        now = await js(state)
        say(now.endswith("trying again"), "the tunnel drops: " + now)
        await js(state + ' === "connected"', wait=True)
        say(True, "the tunnel comes back: connected again by itself")
    return ""


if __name__ == "__main__":
    if sys.argv[1] == "dashboard":
        asyncio.run(asyncio.wait_for(show(sys.argv[2], [], (sys.argv[2],), dashboard_link), 120))
    elif sys.argv[1] == "follows":
        asyncio.run(asyncio.wait_for(show(sys.argv[2], [], (sys.argv[2],), page_follows), 300))
    elif sys.argv[1] == "status":
        url, token, out = sys.argv[2:5]
        asyncio.run(asyncio.wait_for(show(url, [], (url, token, out)), 120))
    else:
        print(asyncio.run(asyncio.wait_for(show(sys.argv[1], sys.argv[2:]), 60)))
