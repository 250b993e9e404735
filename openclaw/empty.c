/*
 * What the real gateway answers without a model, where this gateway holds
 * nothing: no agent, model, skill, tool, chat command, chat history,
 * usage, Talk config, update or memory. Each answer is the real one's
 * shape (openclaw 2026.9.6: agents-models-skills, commands, sessions,
 * usage, channels, update and doctor handlers), its lists empty, so that
 * the CLI reads "none" where it would read an error. The params are
 * checked as the real schemas check them; where the real gateway takes an
 * open object (models.list, usage.cost, doctor.memory.status), any object.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "json.h"
#include "conn.h"
#include "rpc.h"
#include "schema.h"
#include "empty.h"

/* an open object's params: absent, or any object */
static int
open_params(struct conn *c, const struct rpc_req *r)
{
	char msg[METHOD_MAX + 64];

	if (r->params < 0 || rpc_tok[r->params].type == JSON_OBJECT)
		return 0;
	snprintf(msg, sizeof msg, "invalid %s params: must be object", r->method);
	rpc_error(c, r->id, "INVALID_REQUEST", msg, NULL);
	return -1;
}

/* the agent a request names, else the default one, "main", into out */
static void
agent_of(const struct rpc_req *r, char *out, size_t cap)
{
	if (json_string(r->p, rpc_tok, json_get(r->p, rpc_tok, r->params, "agentId"), out, cap) < 1)
		snprintf(out, cap, "main");
}

static void
agents_list(struct conn *c, const struct rpc_req *r)
{
	if (rpc_checked(c, r, no_params) == 0)
		rpc_ok(c, r->id, "{\"defaultId\":\"main\",\"mainKey\":\"main\",\"scope\":\"per-sender\",\"agents\":[]}");
}

/* an answer naming the agent asked about: {"agentId":...} then rest (members, or "") */
static void
for_agent(struct conn *c, const struct rpc_req *r, const char *rest)
{
	char agent[CLIENT_FIELD_MAX];
	struct jw w = rpc_writer();

	agent_of(r, agent, sizeof agent);
	rpc_reply(&w, r->id, 1);
	JW_LIT(&w, "\"payload\":{\"agentId\":");
	jw_str(&w, agent);
	jw_cat(&w, rest);
	JW_LIT(&w, "}}");
	rpc_send(c, &w);
}

static void
agent_identity(struct conn *c, const struct rpc_req *r)
{
	if (rpc_checked(c, r, agent_identity_params) == 0)
		for_agent(c, r, "");
}

static void
skills_status(struct conn *c, const struct rpc_req *r)
{
	if (rpc_checked(c, r, skills_status_params) == 0)
		for_agent(c, r, ",\"workspaceDir\":\"\",\"managedSkillsDir\":\"\",\"skills\":[]");
}

static void
tools_catalog(struct conn *c, const struct rpc_req *r)
{
	if (rpc_checked(c, r, tools_catalog_params) == 0)
		for_agent(c, r, ",\"profiles\":[{\"id\":\"minimal\",\"label\":\"Minimal\"},{\"id\":\"coding\",\"label\":"
		    "\"Coding\"},{\"id\":\"messaging\",\"label\":\"Messaging\"},{\"id\":\"full\",\"label\":\"Full\"}],"
		    "\"groups\":[]");
}

/* checked fully, as doctor.memory.status checks it: an agentId, if any, is a string */
static void
doctor_memory(struct conn *c, const struct rpc_req *r)
{
	const int agent = json_get(r->p, rpc_tok, r->params, "agentId");

	if (open_params(c, r) < 0)
		return;
	if (agent >= 0 && rpc_tok[agent].type != JSON_STRING) {
		rpc_error(c, r->id, "INVALID_REQUEST", "agentId must be a string", NULL);
		return;
	}
	for_agent(c, r, ",\"embedding\":{\"ok\":false,\"checked\":false,\"error\":\"this gateway runs no agent, so it "
	    "keeps no memory to probe\"}");
}

static void
models_list(struct conn *c, const struct rpc_req *r)
{
	if (open_params(c, r) == 0)
		rpc_ok(c, r->id, "{\"models\":[]}");
}

static void
chat_history(struct conn *c, const struct rpc_req *r)
{
	char key[SESSION_KEY_MAX + 1];
	struct jw w = rpc_writer();

	if (rpc_checked(c, r, chat_history_params) < 0)
		return;
	json_string(r->p, rpc_tok, json_get(r->p, rpc_tok, r->params, "sessionKey"), key, sizeof key);
	rpc_reply(&w, r->id, 1);
	JW_LIT(&w, "\"payload\":{\"sessionKey\":");
	jw_str(&w, key);
	JW_LIT(&w, ",\"messages\":[],\"hasMore\":false,\"totalMessages\":0}}");
	rpc_send(c, &w);
}

static void
commands_list(struct conn *c, const struct rpc_req *r)
{
	if (rpc_checked(c, r, commands_list_params) == 0)
		rpc_ok(c, r->id, "{\"commands\":[]}");
}

static void
usage_cost(struct conn *c, const struct rpc_req *r)
{
	static const char zeros[] = "{\"input\":0,\"output\":0,\"cacheRead\":0,\"cacheWrite\":0,\"totalTokens\":0,"
	    "\"totalCost\":0,\"inputCost\":0,\"outputCost\":0,\"cacheReadCost\":0,\"cacheWriteCost\":0,"
	    "\"missingCostEntries\":0}";
	char payload[512];

	if (open_params(c, r) < 0)
		return;
	snprintf(payload, sizeof payload, "{\"updatedAt\":%lld,\"days\":30,\"daily\":[],\"totals\":%s,\"cacheStatus\":"
	    "{\"status\":\"fresh\",\"cachedFiles\":0,\"pendingFiles\":0,\"staleFiles\":0}}", unix_ms(), zeros);
	rpc_ok(c, r->id, payload);
}

static void
talk_config(struct conn *c, const struct rpc_req *r)
{
	if (rpc_checked(c, r, talk_config_params) == 0)
		rpc_ok(c, r->id, "{\"config\":{}}");
}

static void
update_status(struct conn *c, const struct rpc_req *r)
{
	if (rpc_checked(c, r, update_status_params) == 0)
		rpc_ok(c, r->id, "{\"sentinel\":null,\"updateAvailable\":null}");      /* this daemon updates by make */
}

const struct method empty_methods[] = {
	{ "agents.list", agents_list }, { "agent.identity.get", agent_identity }, { "models.list", models_list },
	{ "chat.history", chat_history }, { "skills.status", skills_status }, { "tools.catalog", tools_catalog },
	{ "commands.list", commands_list }, { "usage.cost", usage_cost }, { "talk.config", talk_config },
	{ "update.status", update_status }, { "doctor.memory.status", doctor_memory }, { NULL, NULL }
};
