/*
 * The node command policy: which commands the real gateway lets an operator
 * invoke on a node by default, per platform (openclaw 2026.9.6:
 * node-command-policy-*.mjs). Pure tables; no state.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "json.h"
#include "rpc.h"
#include "policy.h"

/* the command policy: what the real gateway allows by default, per platform */
static const char *const desktop_host[] = {    /* allowed on desktops when the node declares them */
	"system.run.prepare", "system.run", "system.which", "system.execApprovals.get",
	"system.execApprovals.set", "fs.listDir", "terminal.upload", "browser.proxy",
	"browser.proxy.upload.v1", "mcp.tools.call.v1", "agent.cli.claude.run.v1", "screen.snapshot",
	"desktop.stream", "ollama.chat", "ollama.models", NULL
};
static const char *const platforms[][24] = {
	{ "linux", "system.notify", "computer.act", NULL },
	{ "macos", "camera.list", "camera.ptz.status", "location.get", "device.info", "device.status",
	  "device.apps", "contacts.search", "calendar.events", "reminders.list", "photos.latest",
	  "motion.activity", "motion.pedometer", "system.notify", "computer.act", NULL },
	{ "windows", "camera.list", "location.get", "device.info", "device.status", "system.notify",
	  "computer.act", NULL },
	{ "ios", "camera.list", "location.get", "device.info", "device.status", "contacts.search",
	  "calendar.events", "reminders.list", "photos.latest", "motion.activity", "motion.pedometer",
	  "system.notify", NULL },
	{ "watchos", "device.info", "device.status", "system.notify", NULL },
	{ "android", "camera.list", "location.get", "notifications.list", "notifications.actions",
	  "system.notify", "device.info", "device.status", "device.permissions", "device.health",
	  "device.apps", "contacts.search", "calendar.events", "callLog.search", "reminders.list",
	  "photos.latest", "motion.activity", "motion.pedometer", "mobile.ui.observe", "mobile.ui.act", NULL },
	{ "unknown", "camera.list", "location.get", "system.notify", NULL },
};
static const char *const dangerous[] = {
	"camera.snap", "camera.clip", "camera.ptz.control", "screen.record", "contacts.add",
	"calendar.add", "reminders.add", "sms.send", "sms.search", "health.summary", NULL
};
static const char *const private_commands[] = {
	"worker.bundle.install.v1", "worker.launch.v1", "worker.status.v1", "worker.cancel.v1",
	"worker.environment.stop.v1", "worker.workspace.exec.v1", "worker.workspace.prepare.v1",
	"worker.workspace.retain.v1", "worker.desktop.stream.v1", "worker.desktop.launch.v1",
	"worker.desktop.computer.v1", "worker.portal.stream.v1", NULL
};
static const char *const admin_only[] = {
	"browser.proxy", "browser.proxy.upload.v1", "fs.listDir", "terminal.upload", NULL
};

int
policy_admin_only(const char *command)
{
	return str_in(command, admin_only);
}

int
policy_private(const char *command)
{
	return str_in(command, private_commands);
}

int
policy_dangerous(const char *command)
{
	return str_in(command, dangerous);
}

/* the real gateway's platform id, from what the node says (lowercased) */
static int
platform_of(const struct session *s)
{
	char plat[CLIENT_FIELD_MAX], fam[CLIENT_FIELD_MAX];
	const char *tokens[] = { "linux", "mac", "windows", "iphone", "ipad", "ios", "apple watch", "watchos", "android" };
	const int ids[] = { 0, 1, 2, 3, 3, 3, 4, 4, 5 };
	size_t i, k;

	snprintf(plat, sizeof plat, "%s", SESSION_FIELD(s, F_PLATFORM));
	snprintf(fam, sizeof fam, "%s", SESSION_FIELD(s, F_DEVICEFAMILY));
	for (i = 0; plat[i]; i++)
		plat[i] = (char)tolower((unsigned char)plat[i]);
	for (i = 0; fam[i]; i++)
		fam[i] = (char)tolower((unsigned char)fam[i]);
	for (k = 0; k < 6; k++)
		if (strcmp(plat, platforms[k][0]) == 0) {
			/* a platform must agree with the device family, as in the real policy */
			if ((k == 0 && strcmp(fam, "linux") == 0) || (k == 1 && strcmp(fam, "mac") == 0) ||
			    (k == 2 && strcmp(fam, "windows") == 0) ||
			    (k == 3 && (!fam[0] || !strcmp(fam, "iphone") || !strcmp(fam, "ipad") || !strcmp(fam, "ios"))) ||
			    (k == 4 && (!strcmp(fam, "apple watch") || !strcmp(fam, "watchos"))) ||
			    (k == 5 && (!fam[0] || !strcmp(fam, "android"))))
				return (int)k;
			return 6;
		}
	if (plat[0])
		return 6;
	for (k = 0; k < sizeof ids / sizeof ids[0]; k++)
		if (strstr(fam, tokens[k]))
			return ids[k];
	return 6;
}

int
policy_allows(const struct session *s, const char *command)
{
	int p = platform_of(s);

	if (policy_private(command) || policy_dangerous(command))
		return 0;
	return str_in(command, platforms[p] + 1) || (p <= 2 && str_in(command, desktop_host));
}
