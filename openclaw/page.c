/*
 * The status page, GET / without an upgrade: one small self-contained page
 * (no external asset, under 8 KB) that connects back over the protocol with
 * operator.read and shows, live: the version and uptime, the connections,
 * the memory budget in use, what was refused in the last minute, the nodes
 * with their approval state and waiting invokes, and the clients. With a
 * token set it takes it from #token= (the link `openclaw dashboard` gives,
 * wiped from the address bar at once) or asks for it, saying where it is,
 * and keeps it in the page's memory only. Served with a policy that lets it
 * load nothing and talk only to this origin.
 */
#include <sys/uio.h>
#include <string.h>

#include "http.h"
#include "conn.h"
#include "page.h"

/* three parts: no C99 compiler need take a string past 4095 bytes */
#define PAGE_PARTS 3
static const char markup[] =
    "<!doctype html>\n"
    "<html lang=\"en\"><head><meta charset=\"utf-8\"><title>gateway</title>\n"
    "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
    "<style>\n"
    "body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:56em;padding:1em;color:#1d2330;background:#"
    "f6f7f9}\n"
    "h1{font-size:1.35em;margin:.2em 0}h1 small{color:#667;font-weight:400}h2{font-size:1.05em;margin:1.4em 0 .4e"
    "m}\n"
    ".card{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:.8em 1em;margin:.6em 0;overflow-x:a"
    "uto}\n"
    ".facts{display:grid;grid-template-columns:repeat(auto-fit,minmax(10em,1fr));gap:.6em}\n"
    ".facts div{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:.5em .8em}\n"
    ".facts b{display:block;font-size:1.25em}.facts span{color:#667;font-size:.85em}\n"
    "table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.35em .5em;border-bottom:1px solid #"
    "eceef2}\n"
    "th{font-weight:600;color:#556;font-size:.85em}.tag{border-radius:4px;padding:0 .4em;font-size:.85em;white-sp"
    "ace:nowrap}\n"
    ".ok{background:#e3f4e8;color:#17652f}.wait{background:#fff1d6;color:#7a4b00}.off{background:#eceef2;color:#5"
    "56}\n"
    ".bad{color:#a4161a}#state{font-weight:600}input{font:inherit;padding:.3em;width:16em;max-width:100%}\n"
    "button{font:inherit;padding:.3em .9em}code{background:#eceef2;border-radius:3px;padding:0 .25em}\n"
    ".empty{color:#667}@media(max-width:30em){body{font-size:14px;padding:.6em}.card{padding:.5em}td,th{padding:."
    "3em}.tag{white-space:normal}.facts b{font-size:1.05em}}\n"
    "</style></head><body>\n"
    "<h1>gateway <small id=\"version\"></small></h1>\n"
    "<p id=\"state\">connecting</p>\n"
    "<p id=\"aside\" class=\"card bad\" hidden></p>\n"
    "<form id=\"auth\" class=\"card\" hidden><p id=\"advice\"></p>\n"
    "<label>Token <input id=\"token\" type=\"password\" autocomplete=\"off\"></label> <button>Connect</button></f"
    "orm>\n"
    "<div id=\"main\" hidden>\n"
    "<div class=\"facts\">\n"
    "<div><span>up</span><b id=\"uptime\"></b></div>\n"
    "<div><span>connections</span><b id=\"conns\"></b></div>\n"
    "<div><span>memory budget</span><b id=\"mem\"></b></div>\n"
    "<div><span>refused or evicted</span><b id=\"refused\"></b></div>\n"
    "</div>\n"
    "<h2>Nodes <span id=\"pending\" class=\"tag wait\" hidden></span></h2>\n"
    "<div class=\"card\"><table><thead><tr><th>node</th><th>state</th><th>platform</th><th>commands</th><th>waiti"
    "ng</th></tr></thead>\n"
    "<tbody id=\"nodes\"></tbody></table></div>\n"
    "<h2>Clients</h2>\n"
    "<div class=\"card\"><table><thead><tr><th>client</th><th>mode</th><th>platform</th><th>since</th></tr></thea"
    "d>\n"
    "<tbody id=\"clients\"></tbody></table></div>\n"
    "</div>\n";

static const char script_helpers[] =
    "<script>\n"
    "\"use strict\";\n"
    "let token = null, ws = null, up = 0, t0 = 0, live = false, poll = 0;\n"
    "const seen = [];\n"
    "const $ = (id) => document.getElementById(id);\n"
    "const m = /^#token=(.+)$/.exec(location.hash), boot = /[#&]bootstrapToken=/.test(location.hash);\n"
    "if (m) token = decodeURIComponent(m[1]);\n"
    "if (m || boot) history.replaceState(null, \"\", location.pathname + location.search);\n"
    "function say(text, bad) { $(\"state\").textContent = text; $(\"state\").className = bad ? \"bad\" : \"\"; }\n"
    "function ago(ms) {\n"
    "\tconst s = Math.max(0, Math.floor(ms / 1000)), d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24, n "
    "= Math.floor(s / 60) % 60;\n"
    "\treturn d ? d + \" d \" + h + \" h\" : h ? h + \" h \" + n + \" min\" : n ? n + \" min \" + s % 60 + \" s\""
    " : s + \" s\";\n"
    "}\n"
    "function mb(n) { return n < 1048576 ? (n / 1024).toFixed(0) + \" KB\" : (n / 1048576).toFixed(1) + \" MB\"; "
    "}\n"
    "function rows(id, list, cells, none) {\n"
    "\t$(id).replaceChildren(...(list.length ? list : [null]).map((e) => {\n"
    "\t\tconst tr = document.createElement(\"tr\");\n"
    "\t\tfor (const v of e ? cells(e) : [none]) {\n"
    "\t\t\tconst td = document.createElement(\"td\");\n"
    "\t\t\tif (Array.isArray(v)) {\n"
    "\t\t\t\tconst tag = document.createElement(\"span\");\n"
    "\t\t\t\ttag.className = \"tag \" + v[1];\n"
    "\t\t\t\ttag.textContent = v[0];\n"
    "\t\t\t\ttd.append(tag);\n"
    "\t\t\t} else td.textContent = v == null ? \"\" : v;\n"
    "\t\t\tif (!e) { td.colSpan = 5; td.className = \"empty\"; }\n"
    "\t\t\ttr.append(td);\n"
    "\t\t}\n"
    "\t\treturn tr;\n"
    "\t}));\n"
    "}\n"
    "const states = { approved: [\"approved\", \"ok\"], \"pending-approval\": [\"waiting for approval\", \"wait\""
    "], \"pending-reapproval\": [\"more waiting for approval\", \"wait\"] };\n"
    "function nodes(list, waiting) {\n"
    "\tconst asking = list.filter((n) => /^pending/.test(n.approvalState)).length;\n"
    "\t$(\"pending\").hidden = !asking;\n"
    "\t$(\"pending\").textContent = asking + \" waiting: openclaw nodes pending\";\n"
    "\trows(\"nodes\", list, (n) => [n.displayName || n.nodeId.slice(0, 12), n.connected ? states[n.approvalState"
    "] || [n.approvalState || \"\", \"off\"] : [\"offline\", \"off\"],\n"
    "\t\tn.platform, n.commands.length, n.connected ? waiting[n.nodeId] || 0 : \"\"], \"no node has connected\");\n"
    "}\n";

static const char script_connection[] =
    "function status(p) {\n"
    "\tconst d = p.daemon, now = Date.now();\n"
    "\t$(\"conns\").textContent = p.connections.total + \" (\" + p.connections.authenticated + \" signed in)\";\n"
    "\t$(\"mem\").textContent = mb(d.memoryUsed) + \" of \" + mb(d.memoryMax);\n"
    "\tconst a = d.stateFile && d.stateFile.setAside;\n"
    "\t$(\"aside\").hidden = !a;\n"
    "\tif (a) $(\"aside\").textContent = \"State file damaged at byte \" + a.atByte + \" (\" + a.reason +\n"
    "\t\t\"), set aside as \" + a.path + \": started anew; approve every node again.\";\n"
    "\tseen.push([now, d.refused]);\n"
    "\twhile (now - seen[0][0] > 60000) seen.shift();\n"
    "\tconst span = now - seen[0][0];\n"
    "\t$(\"refused\").textContent = d.refused - seen[0][1] + (span > 55000 ? \" in the last minute\" : \" since t"
    "he page opened\");\n"
    "\treturn d.invokesWaiting;\n"
    "}\n"
    "function clients(list) {\n"
    "\trows(\"clients\", list.filter((e) => e.reason !== \"self\"), (e) => [e.clientId || e.host, e.mode, e.platf"
    "orm,\n"
    "\t\tnew Date(e.connectedAtMs).toLocaleTimeString()], \"no other client (a CLI is not listed)\");\n"
    "}\n"
    "function ask(id, method) { if (ws && ws.readyState === 1) ws.send(JSON.stringify({ type: \"req\", id, method"
    ", params: {} })); }\n"
    "function tick() { if (t0) $(\"uptime\").textContent = ago(up + Date.now() - t0); }\n"
    "let waiting = {};\n"
    "function connect() {\n"
    "\tws = new WebSocket(\"ws://\" + location.host + \"/\");\n"
    "\tws.onmessage = (msg) => {\n"
    "\t\tconst f = JSON.parse(msg.data);\n"
    "\t\tif (f.event === \"connect.challenge\") {\n"
    "\t\t\tconst params = { minProtocol: 4, maxProtocol: 4, role: \"operator\", scopes: [\"operator.read\"],\n"
    "\t\t\t\tclient: { id: \"openclaw-control-ui\", version: \"1\", platform: \"web\", mode: \"ui\", displayName:"
    " \"status page\" } };\n"
    "\t\t\tif (token) params.auth = { token };\n"
    "\t\t\tws.send(JSON.stringify({ type: \"req\", id: \"connect\", method: \"connect\", params }));\n"
    "\t\t} else if (f.id === \"connect\" && !f.ok) {\n"
    "\t\t\tws.onclose = null;\n"
    "\t\t\tconst code = (f.error.details || {}).code || \"\";\n"
    "\t\t\tsay(code === \"AUTH_TOKEN_MISMATCH\" ? \"wrong token\" : code === \"AUTH_TOKEN_MISSING\" ? \"token nee"
    "ded\" : f.error.message, true);\n"
    "\t\t\t$(\"auth\").hidden = !/^AUTH_/.test(code);\n"
    "\t\t\t$(\"advice\").textContent = boot ? \"This openclaw dashboard link carries a one-time bootstrap token that"
    " lives in the CLI's own store, which this gateway does not read. Paste the gateway's token, or open the url o"
    "f openclaw dashboard --no-open --json (#token=).\" :\n"
    "\t\t\t\tcode === \"AUTH_TOKEN_MISMATCH\" ? \"That is not this gateway's token. Try again:\" :\n"
    "\t\t\t\t\"This gateway asks for its token: the first line of the file it was started with (--token-file), or"
    " the value of \" +\n"
    "\t\t\t\t\"--token or $OPENCLAW_GATEWAY_TOKEN. The url of openclaw dashboard --no-open --json has it.\";\n"
    "\t\t\ttoken = null;\n"
    "\t\t} else if (f.id === \"connect\") {\n"
    "\t\t\t$(\"version\").textContent = f.payload.server.version + \" on port \" + (location.port || \"80\");\n"
    "\t\t\tup = f.payload.snapshot.uptimeMs;\n"
    "\t\t\tt0 = Date.now();\n"
    "\t\t\tlive = true;\n"
    "\t\t\tsay(\"connected\");\n"
    "\t\t\t$(\"auth\").hidden = true;\n"
    "\t\t\t$(\"main\").hidden = false;\n"
    "\t\t\tclients(f.payload.snapshot.presence);\n"
    "\t\t\ttick();\n"
    "\t\t\tclearInterval(poll);\n"
    "\t\t\tpoll = setInterval(() => { ask(\"s\", \"status\"); ask(\"n\", \"node.list\"); }, 2000);\n"
    "\t\t\task(\"s\", \"status\");\n"
    "\t\t\task(\"n\", \"node.list\");\n"
    "\t\t} else if (f.id === \"s\" && f.ok) {\n"
    "\t\t\twaiting = status(f.payload);\n"
    "\t\t} else if (f.id === \"n\" && f.ok) {\n"
    "\t\t\tnodes(f.payload.nodes, waiting);\n"
    "\t\t} else if (f.event === \"presence\") {\n"
    "\t\t\tclients(f.payload.presence);\n"
    "\t\t}\n"
    "\t};\n"
    "\tws.onclose = () => {\n"
    "\t\tclearInterval(poll);\n"
    "\t\tsay((live ? \"disconnected\" : \"cannot connect (is the gateway running? is this its own address?)\") +"
    " \": trying again\", true);\n"
    "\t\tlive = false;\n"
    "\t\tsetTimeout(connect, 2000);\n"
    "\t};\n"
    "}\n"
    "$(\"auth\").onsubmit = (e) => { e.preventDefault(); token = $(\"token\").value; connect(); };\n"
    "setInterval(tick, 1000);\n"
    "connect();\n"
    "</script></body></html>\n";

static const char *const page_parts[PAGE_PARTS] = { markup, script_helpers, script_connection };

/* the page's response head: it may run script and talk to this origin, load nothing, and never be framed */
static size_t
page_head(char *out, size_t cap)
{
	static const char policy[] = "Content-Security-Policy: default-src 'none'; script-src 'unsafe-inline'; "
	    "style-src 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'\r\n"
	    "X-Frame-Options: DENY\r\nReferrer-Policy: no-referrer\r\n";

	return http_head(out, cap, 200, policy, "text/html; charset=utf-8",
	    strlen(markup) + strlen(script_helpers) + strlen(script_connection));
}

/* its head, then the page unless HEAD, then the drain */
void
page_send(struct conn *c, int head)
{
	char out[512];
	struct iovec iov[1 + PAGE_PARTS];
	int i;

	iov[0].iov_base = out;
	iov[0].iov_len = page_head(out, sizeof out);
	for (i = 0; i < PAGE_PARTS; i++) {
		iov[1 + i].iov_base = (void *)page_parts[i];
		iov[1 + i].iov_len = head ? 0 : strlen(page_parts[i]);
	}
	conn_writev(c, iov, 1 + PAGE_PARTS);
	conn_drain(c);
}
