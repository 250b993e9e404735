/*
 * The scope each method of the real gateway needs: its method catalog
 * (CORE_GATEWAY_METHOD_SPECS in method-scopes-*.mjs of npm openclaw
 * 2026.9.6), all 482 entries, sorted for a binary search. A method the
 * real gateway reads its params to judge is given the least its judgement
 * asks of a call we can answer: write, or read for talk.config and
 * environments.list, pairing for channels.pairing.approve, admin for
 * sessions.delete; node.invoke's depends on the command (proto.c). The
 * session methods may also be called with operator.sessions.read or
 * .write, as there. A method outside the catalog needs admin, as there
 * (where the prefixes it reserves for admin, config. and the like, come
 * to the same).
 */
#include <string.h>

#include "rpc.h"
#include "catalog.h"

#define R  S_READ
#define W  S_WRITE
#define A  S_ADMIN
#define P  S_PAIRING
#define AP S_APPROVALS
#define Q  S_QUESTIONS
#define T  S_TALK
#define SR S_SESSIONS_READ
#define SW S_SESSIONS_WRITE
#define N  S_NODE
#define D  S_DYNAMIC

const struct method_scope catalog[] = {
	{ "agent", W }, { "agent.identity.get", R }, { "agent.wait", W }, { "agents.create", A },
	{ "agents.delete", A }, { "agents.files.get", R }, { "agents.files.list", R }, { "agents.files.set", A },
	{ "agents.list", R }, { "agents.update", A }, { "agents.workspace.get", R }, { "agents.workspace.list", R },
	{ "approval.get", AP }, { "approval.history", AP }, { "approval.resolve", AP }, { "artifacts.download", R },
	{ "artifacts.get", R }, { "artifacts.list", R }, { "assistant.media.get", R }, { "attach.grant", A },
	{ "attach.revoke", A }, { "audit.activity.list", R }, { "audit.list", R }, { "audit.run.inspect", R },
	{ "board.action", W }, { "board.data.read", R }, { "board.event", W }, { "board.get", R },
	{ "board.prompt.authorize", R }, { "board.update", W }, { "board.widget.appView", R },
	{ "board.widget.grant", AP }, { "board.widget.put", W }, { "canvas.document.preview", R },
	{ "canvas.document.view", R }, { "channels.logout", A }, { "channels.pairing.approve", P },
	{ "channels.pairing.dismiss", P }, { "channels.pairing.list", P }, { "channels.start", A },
	{ "channels.status", R }, { "channels.stop", A }, { "chat.abort", W|SW }, { "chat.history", R|SR },
	{ "chat.inject", A }, { "chat.message.get", R|SR }, { "chat.metadata", R|SR }, { "chat.send", W|SW },
	{ "chat.startup", R|SR }, { "chat.toolTitles", W }, { "claws.monitors", A }, { "claws.packages.remove", A },
	{ "commands.list", R }, { "computer.invoke", W }, { "computer.status", R }, { "config.apply", A },
	{ "config.get", R }, { "config.openFile", A }, { "config.patch", A }, { "config.schema", R },
	{ "config.schema.lookup", R }, { "config.set", A }, { "connect", A }, { "controlUi.githubDetail", R },
	{ "controlUi.githubPreview", R }, { "controlUi.linkPreview", R }, { "controlUi.sessionPreview", R },
	{ "controlUi.sessionPullRequests.checks", R }, { "controlUi.sessionPullRequests.subscribe", R },
	{ "conversations.list", A }, { "conversations.send", A }, { "conversations.turn", A },
	{ "conversations.turn.cancel", A }, { "cron.add", A }, { "cron.get", R }, { "cron.list", R },
	{ "cron.remove", A }, { "cron.run", A }, { "cron.runs", R }, { "cron.scratch.get", A },
	{ "cron.scratch.set", A }, { "cron.status", R }, { "cron.update", A }, { "desktop.launch", A },
	{ "desktop.observe", A }, { "desktop.release", A }, { "device.pair.approve", P }, { "device.pair.list", P },
	{ "device.pair.reject", P }, { "device.pair.remove", P }, { "device.pair.rename", P },
	{ "device.pair.setupCode", A }, { "device.pair.setupStatus", A }, { "device.scopes.requestUpgrade", R },
	{ "device.scopes.waitUpgrade", R }, { "device.token.revoke", P }, { "device.token.rotate", P },
	{ "diagnostics.cpuProfile", A }, { "diagnostics.heapProfile", A }, { "diagnostics.lanes", R },
	{ "diagnostics.stability", R }, { "doctor.memory.backfillDreamDiary", W },
	{ "doctor.memory.dedupeDreamDiary", W }, { "doctor.memory.dreamDiary", R },
	{ "doctor.memory.repairDreamingArtifacts", W }, { "doctor.memory.resetDreamDiary", W },
	{ "doctor.memory.resetGroundedShortTerm", W }, { "doctor.memory.status", R }, { "environments.create", A },
	{ "environments.destroy", A }, { "environments.list", R }, { "environments.prepare", A },
	{ "environments.session.create", A }, { "environments.session.destroy", A }, { "environments.session.exec", A },
	{ "environments.session.status", R }, { "environments.status", R }, { "exec.approval.get", AP },
	{ "exec.approval.grants.list", AP }, { "exec.approval.grants.revoke", AP }, { "exec.approval.list", AP },
	{ "exec.approval.request", AP }, { "exec.approval.resolve", AP }, { "exec.approval.waitDecision", AP },
	{ "exec.approvals.get", A }, { "exec.approvals.node.get", A }, { "exec.approvals.node.set", A },
	{ "exec.approvals.set", A }, { "fs.listDir", W }, { "gateway.identity.get", R },
	{ "gateway.restart.preflight", R }, { "gateway.restart.request", A }, { "gateway.suspend.handoff", A },
	{ "gateway.suspend.prepare", A }, { "gateway.suspend.resume", A }, { "gateway.suspend.status", R },
	{ "health", R }, { "hooks.status", R }, { "last-heartbeat", R }, { "logs.tail", R }, { "mcp.app.callTool", W },
	{ "mcp.app.listResourceTemplates", R }, { "mcp.app.listResources", R }, { "mcp.app.listTools", R },
	{ "mcp.app.readResource", R }, { "mcp.app.updateModelContext", W }, { "mcp.app.view", R },
	{ "mcp.authLogin", A }, { "memory.search", R }, { "mentions.dismiss", R }, { "mentions.list", R },
	{ "message.action", W }, { "migrations.memory.apply", A }, { "migrations.memory.plan", A },
	{ "models.authLogin", A }, { "models.authLogout", A }, { "models.authOrderSet", A },
	{ "models.authRefresh", A }, { "models.authSetApiKey", A }, { "models.authStatus", R }, { "models.list", R },
	{ "models.probe", A }, { "nativeHook.invoke", A }, { "node.describe", R }, { "node.event", N },
	{ "node.invoke", D }, { "node.invoke.progress", N }, { "node.invoke.result", N }, { "node.list", R },
	{ "node.pair.approve", P }, { "node.pair.list", P }, { "node.pair.reject", P }, { "node.pair.remove", P },
	{ "node.pending.ack", N }, { "node.pending.drain", N }, { "node.pending.enqueue", W },
	{ "node.pending.pull", N }, { "node.pluginSurface.refresh", N }, { "node.pluginTools.update", N },
	{ "node.rename", P }, { "node.runnerInventory.update", N }, { "node.skills.update", N },
	{ "openclaw.approval.list", AP }, { "openclaw.changes.list", A }, { "openclaw.chat", A },
	{ "openclaw.chat.history", A }, { "openclaw.setup.activate", A }, { "openclaw.setup.activate.start", A },
	{ "openclaw.setup.auth.start", A }, { "openclaw.setup.detect", A }, { "openclaw.setup.prepare.start", A },
	{ "openclaw.setup.verify", A }, { "plugin.approval.list", AP }, { "plugin.approval.request", AP },
	{ "plugin.approval.resolve", AP }, { "plugin.approval.waitDecision", AP }, { "plugin.surface.refresh", R },
	{ "plugins.catalog.browse", R }, { "plugins.catalog.categories", R }, { "plugins.catalog.get", R },
	{ "plugins.controlUi.list", R }, { "plugins.controlUi.reload", A }, { "plugins.controlUi.report", R },
	{ "plugins.controlUi.status", A }, { "plugins.credentials.inspect", A }, { "plugins.inspect", R },
	{ "plugins.install", A }, { "plugins.list", R }, { "plugins.refresh", A }, { "plugins.reload", A },
	{ "plugins.search", R }, { "plugins.sessionAction", W }, { "plugins.setEnabled", A },
	{ "plugins.skills.read", R }, { "plugins.uiDescriptors", R }, { "plugins.uninstall", A }, { "poll", W },
	{ "portal.close", W }, { "portal.list", R }, { "portal.open", W }, { "progressCard.get", R },
	{ "progressCard.put", W }, { "progressCard.refresh", W }, { "projects.add", W }, { "projects.list", R },
	{ "projects.register", A }, { "projects.remove", A }, { "projects.searchRemote", R }, { "push.test", W },
	{ "push.web.preferences.get", R }, { "push.web.preferences.set", W }, { "push.web.subscribe", W },
	{ "push.web.test", W }, { "push.web.unsubscribe", W }, { "push.web.vapidPublicKey", W },
	{ "question.get", Q|SW }, { "question.list", Q|SW }, { "question.request", Q|SW }, { "question.resolve", Q|SW },
	{ "question.waitAnswer", Q|SW }, { "secrets.reload", A }, { "secrets.resolve", A },
	{ "secrets.store.delete", A }, { "secrets.store.list", A }, { "secrets.store.set", A }, { "send", W },
	{ "session.discussion.info", R }, { "session.discussion.open", W }, { "session.members.add", W },
	{ "session.members.list", R|SR }, { "session.members.listEvidence", R|SR }, { "session.members.remove", W },
	{ "session.publicShare.set", W }, { "session.suggestions.add", W }, { "session.suggestions.list", R },
	{ "session.suggestions.resolve", W }, { "session.typing", W }, { "session.visibility.set", W },
	{ "sessions.abort", W|SW }, { "sessions.activitySummary.ensure", W }, { "sessions.assignOwner", W },
	{ "sessions.branches.list", R|SR }, { "sessions.branches.switch", A }, { "sessions.catalog.archive", W },
	{ "sessions.catalog.continue", W }, { "sessions.catalog.list", R }, { "sessions.catalog.read", R },
	{ "sessions.catalog.startTerminal", A }, { "sessions.cleanup", A }, { "sessions.compact", A },
	{ "sessions.companion.ask", R }, { "sessions.companion.reset", W }, { "sessions.companion.state", R },
	{ "sessions.create", W|SW }, { "sessions.delete", A }, { "sessions.describe", R|SR }, { "sessions.diff", R },
	{ "sessions.dispatch", W }, { "sessions.files.get", R|SR }, { "sessions.files.list", R|SR },
	{ "sessions.files.reveal", A }, { "sessions.files.set", A }, { "sessions.fork", W|SW },
	{ "sessions.get", R|SR }, { "sessions.github.confirm", W }, { "sessions.github.options", R },
	{ "sessions.github.publish", SW }, { "sessions.github.status", R }, { "sessions.goal.clear", W|SW },
	{ "sessions.goal.update", W|SW }, { "sessions.groups.defaults", W }, { "sessions.groups.delete", W },
	{ "sessions.groups.list", R }, { "sessions.groups.put", W }, { "sessions.groups.rename", W },
	{ "sessions.groups.update", W }, { "sessions.list", R|SR }, { "sessions.messages.subscribe", R|SR },
	{ "sessions.messages.unsubscribe", R|SR }, { "sessions.move", W }, { "sessions.observer.visibility", R },
	{ "sessions.patch", W|SW }, { "sessions.patchMany", W|SW }, { "sessions.pluginPatch", A },
	{ "sessions.preview", R|SR }, { "sessions.providerReview.continue", W }, { "sessions.reclaim", W },
	{ "sessions.recover", W|SW }, { "sessions.reset", A }, { "sessions.resolve", R|SR }, { "sessions.rewind", A },
	{ "sessions.search", R|SR }, { "sessions.send", W|SW }, { "sessions.setInvolvement", R|SR },
	{ "sessions.steer", W|SW }, { "sessions.storage.run", A }, { "sessions.storage.status", A },
	{ "sessions.subscribe", R|SR }, { "sessions.title.prepare", W }, { "sessions.usage", R },
	{ "sessions.usage.logs", R }, { "sessions.usage.timeseries", R }, { "sessions.viewers.set", R|SR },
	{ "set-heartbeats", A }, { "skills.bins", N }, { "skills.curator.pin", A }, { "skills.curator.restore", A },
	{ "skills.curator.status", R }, { "skills.curator.unpin", A }, { "skills.detail", R }, { "skills.install", A },
	{ "skills.library.activate", W }, { "skills.library.import", W }, { "skills.library.list", R },
	{ "skills.library.mutate", W }, { "skills.library.read", R }, { "skills.library.save", W },
	{ "skills.library.upload", W }, { "skills.proposals.apply", A }, { "skills.proposals.create", A },
	{ "skills.proposals.evaluate", A }, { "skills.proposals.events.list", R },
	{ "skills.proposals.historyScan", A }, { "skills.proposals.historyStatus", R },
	{ "skills.proposals.inspect", R }, { "skills.proposals.list", R }, { "skills.proposals.quarantine", A },
	{ "skills.proposals.reject", A }, { "skills.proposals.requestRevision", A }, { "skills.proposals.revise", A },
	{ "skills.proposals.update", A }, { "skills.search", R }, { "skills.securityVerdicts", R },
	{ "skills.skillCard", R }, { "skills.status", R }, { "skills.update", A }, { "skills.upload.begin", A },
	{ "skills.upload.chunk", A }, { "skills.upload.commit", A }, { "skills.workshop.read", R }, { "status", R },
	{ "system-event", A }, { "system-presence", R }, { "system.info", R }, { "talk.catalog", R },
	{ "talk.client.close", T }, { "talk.client.create", T }, { "talk.client.steer", T },
	{ "talk.client.toolCall", T }, { "talk.client.transcript", T }, { "talk.config", R }, { "talk.mode", T },
	{ "talk.session.acknowledgeMark", T }, { "talk.session.appendAudio", T }, { "talk.session.cancelOutput", T },
	{ "talk.session.close", T }, { "talk.session.create", T }, { "talk.session.steer", T },
	{ "talk.session.submitToolResult", T }, { "talk.speak", T }, { "talk.voice.complete", T },
	{ "talk.voice.get", T }, { "talk.voice.set", T }, { "taskSuggestions.accept", A },
	{ "taskSuggestions.create", W }, { "taskSuggestions.dismiss", W }, { "taskSuggestions.list", R },
	{ "tasks.cancel", W }, { "tasks.dismiss", W }, { "tasks.get", R }, { "tasks.history", R }, { "tasks.list", R },
	{ "tasks.retry", W }, { "terminal.attach", A }, { "terminal.close", A }, { "terminal.input", A },
	{ "terminal.list", A }, { "terminal.open", A }, { "terminal.resize", A }, { "terminal.upload", A },
	{ "themes.get", R }, { "themes.import", W }, { "themes.list", R }, { "themes.set", W }, { "tools.catalog", R },
	{ "tools.effective", R }, { "tools.github.authorize.cancel", A }, { "tools.github.authorize.poll", A },
	{ "tools.github.authorize.start", A }, { "tools.github.configure", A }, { "tools.github.status", R },
	{ "tools.invoke", W }, { "transcripts.export", R }, { "transcripts.get", R }, { "transcripts.list", R },
	{ "transcripts.status", R }, { "transcripts.summarize", W }, { "tts.convert", W }, { "tts.disable", W },
	{ "tts.enable", W }, { "tts.personas", R }, { "tts.providers", R }, { "tts.setPersona", W },
	{ "tts.setProvider", W }, { "tts.speak", W }, { "tts.status", R }, { "ui.command", W }, { "update.hold", A },
	{ "update.report", A }, { "update.run", A }, { "update.runs.get", A }, { "update.runs.list", A },
	{ "update.status", A }, { "usage.cost", R }, { "usage.status", R }, { "users.authConnect.answer", W },
	{ "users.authConnect.cancel", W }, { "users.authConnect.catalog", W }, { "users.authConnect.start", W },
	{ "users.authConnect.status", W }, { "users.github.authorize.cancel", R }, { "users.github.authorize.poll", R },
	{ "users.github.authorize.start", R }, { "users.github.disconnect", R }, { "users.github.status", R },
	{ "users.linkAuthProfile", A }, { "users.linkChannelIdentity", A }, { "users.linkEmail", A },
	{ "users.list", R }, { "users.listAuthLinks", R }, { "users.listChannelIdentities", A },
	{ "users.listModelAccounts", R }, { "users.mentionable", R }, { "users.prefs.get", R },
	{ "users.prefs.set", W }, { "users.selectModelAccount", W }, { "users.self", R }, { "users.setAvatar", W },
	{ "users.setDisplayName", W }, { "users.setRole", A }, { "users.unlinkAuthProfile", W },
	{ "users.unlinkChannelIdentity", A }, { "voicewake.get", R }, { "voicewake.routing.get", R },
	{ "voicewake.set", W }, { "wake", W }, { "web.login.start", A }, { "web.login.wait", A },
	{ "webSearch.status", R }, { "webSearch.test", A }, { "wizard.cancel", A }, { "wizard.next", A },
	{ "wizard.start", A }, { "wizard.status", A }, { "worker.desktop.launch", A }, { "worker.desktop.observe", A },
	{ "worktrees.branches", W }, { "worktrees.create", W }, { "worktrees.gc", A }, { "worktrees.list", R },
	{ "worktrees.remove", A }, { "worktrees.restore", A }
};

const size_t catalog_len = sizeof catalog / sizeof catalog[0];

unsigned
catalog_scope(const char *method)
{
	size_t lo = 0, hi = catalog_len, mid;
	int d;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((d = strcmp(method, catalog[mid].name)) == 0)
			return catalog[mid].scope;
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return S_ADMIN;
}
