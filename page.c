/*
 * The status page, GET / without an upgrade: one small self-contained page
 * (no external asset) that connects back over the protocol and shows the
 * version, uptime, port and the connected clients, live. With a token set it
 * asks for it and keeps it in the page's memory only. Served with a policy
 * that lets it load nothing and talk only to this origin.
 */
#include <string.h>

#include "http.h"
#include "page.h"

const char status_page[] =
    "<!doctype html>\n"
    "<html lang=\"en\"><head><meta charset=\"utf-8\"><title>gateway</title>\n"
    "<meta name=\"viewport\" content=\"width=device-width\">\n"
    "<style>\n"
    "body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:48em;padding:0 1em;color:#222}\n"
    "h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.5em}\n"
    "table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.25em .6em;border-bottom:1px solid #ddd}\n"
    "th{font-weight:600;width:8em}.bad{color:#b00}#state{font-weight:600}\n"
    "</style></head><body>\n"
    "<h1>gateway <span id=\"version\"></span></h1>\n"
    "<p id=\"state\">connecting</p>\n"
    "<form id=\"auth\" hidden><label>Token <input id=\"token\" type=\"password\" autocomplete=\"off\"></label>\n"
    "<button>Connect</button></form>\n"
    "<table id=\"facts\" hidden><tr><th>port</th><td id=\"port\"></td></tr>\n"
    "<tr><th>uptime</th><td id=\"uptime\"></td></tr><tr><th>clients</th><td id=\"count\"></td></tr></table>\n"
    "<h2>Connected clients</h2>\n"
    "<table><thead><tr><th>client</th><th>mode</th><th>platform</th><th>since</th></tr></thead>\n"
    "<tbody id=\"clients\"></tbody></table>\n"
    "<script>\n"
    "\"use strict\";\n"
    "/* the token lives in this variable only: never stored, never in the URL */\n"
    "let token = null, up = 0, t0 = 0;\n"
    "const $ = (id) => document.getElementById(id);\n"
    "function say(text, bad) { $(\"state\").textContent = text; $(\"state\").className = bad ? \"bad\" : \"\"; }\n"
    "function show(list) {\n"
    "  const rows = list.filter((e) => e.reason !== \"self\");\n"
    "  $(\"count\").textContent = rows.length;\n"
    "  $(\"clients\").replaceChildren(...rows.map((e) => {\n"
    "    const tr = document.createElement(\"tr\");\n"
    "    for (const v of [e.clientId || e.host, e.mode, e.platform, new Date(e.connectedAtMs).toLocaleTimeString()]) {\n"
    "      const td = document.createElement(\"td\");\n"
    "      td.textContent = v || \"\";\n"
    "      tr.append(td);\n"
    "    }\n"
    "    return tr;\n"
    "  }));\n"
    "}\n"
    "function tick() { if (t0) $(\"uptime\").textContent = Math.floor((up + Date.now() - t0) / 1000) + \" s\"; }\n"
    "function connect() {\n"
    "  const ws = new WebSocket(\"ws://\" + location.host + \"/\");\n"
    "  ws.onmessage = (m) => {\n"
    "    const f = JSON.parse(m.data);\n"
    "    if (f.event === \"connect.challenge\") {\n"
    "      const params = { minProtocol: 4, maxProtocol: 4, role: \"operator\", scopes: [\"operator.read\"],\n"
    "        client: { id: \"openclaw-control-ui\", version: \"1\", platform: \"web\", mode: \"ui\", displayName: \"status page\" } };\n"
    "      if (token) params.auth = { token };\n"
    "      ws.send(JSON.stringify({ type: \"req\", id: \"connect\", method: \"connect\", params }));\n"
    "    } else if (f.type === \"res\" && f.id === \"connect\" && !f.ok) {\n"
    "      say(f.error.message, true);\n"
    "      $(\"auth\").hidden = !/token/.test(f.error.message);\n"
    "    } else if (f.type === \"res\" && f.id === \"connect\") {\n"
    "      $(\"version\").textContent = f.payload.server.version;\n"
    "      $(\"port\").textContent = location.port || \"80\";\n"
    "      up = f.payload.snapshot.uptimeMs;\n"
    "      t0 = Date.now();\n"
    "      say(\"connected\");\n"
    "      $(\"auth\").hidden = true;\n"
    "      $(\"facts\").hidden = false;\n"
    "      show(f.payload.snapshot.presence);\n"
    "      tick();\n"
    "    } else if (f.event === \"presence\") {\n"
    "      show(f.payload.presence);\n"
    "    }\n"
    "  };\n"
    "  ws.onclose = () => { if ($(\"state\").textContent === \"connected\") say(\"disconnected\", true); };\n"
    "}\n"
    "$(\"auth\").onsubmit = (e) => { e.preventDefault(); token = $(\"token\").value; connect(); };\n"
    "setInterval(tick, 1000);\n"
    "connect();\n"
    "</script></body></html>\n";

/* the page's response head: it may run script and talk to this origin, load nothing, and never be framed */
size_t
page_head(char *out, size_t cap)
{
	static const char policy[] = "Content-Security-Policy: default-src 'none'; script-src 'unsafe-inline'; "
	    "style-src 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'\r\n"
	    "X-Frame-Options: DENY\r\nReferrer-Policy: no-referrer\r\n";

	return http_response(out, cap, 200, policy, "text/html; charset=utf-8", status_page, 1);
}
