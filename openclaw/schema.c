/*
 * The real gateway's schemas (openclaw 2026.9.6, gateway-protocol), as
 * closed objects for json_check: a request frame, connect's params, and the
 * params of each method served. Values and limits are the real ones; where
 * we keep a string, its limit is the size we keep it in.
 */
#include <stddef.h>

#include "config.h"
#include "json.h"
#include "schema.h"

/* the frame, and connect */

static const char *const client_ids[] = {
	"webchat-ui", "openclaw-control-ui", "openclaw-browser-copilot", "openclaw-tui", "webchat", "cli",
	"gateway-client", "openclaw-macos", "openclaw-linux", "openclaw-ios", "openclaw-watchos",
	"openclaw-android", "node-host", "openclaw-worker", "test", "fingerprint", "openclaw-probe", NULL
};

static const char *const client_modes[] = {
	"webchat", "cli", "ui", "backend", "node", "worker", "probe", "test", NULL
};

static const char *const frame_type[] = { "req", NULL };

const struct json_field request_frame[] = {
	{ "type", JS_CONST, 1, 0, 0, NULL, frame_type },
	{ "id", JS_STRING, 1, 1, REQUEST_ID_MAX, NULL, NULL },
	{ "method", JS_STRING, 1, 1, METHOD_MAX - 1, NULL, NULL },
	{ "params", JS_ANY, 0, 0, 0, NULL, NULL },
	{ "traceparent", JS_STRING, 0, 0, 128, NULL, NULL },
	{ "expectedProfileId", JS_STRING, 0, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const struct json_field client_fields[] = {
	{ "id", JS_ENUM, 1, 0, 0, NULL, client_ids },
	{ "displayName", JS_STRING, 0, 1, CLIENT_FIELD_MAX - 1, NULL, NULL },
	{ "version", JS_STRING, 1, 1, CLIENT_FIELD_MAX - 1, NULL, NULL },
	{ "buildId", JS_STRING, 0, 1, 96, NULL, NULL },
	{ "platform", JS_STRING, 1, 1, CLIENT_FIELD_MAX - 1, NULL, NULL },
	{ "deviceFamily", JS_STRING, 0, 1, CLIENT_FIELD_MAX - 1, NULL, NULL },
	{ "modelIdentifier", JS_STRING, 0, 1, 0, NULL, NULL },
	{ "timeZone", JS_STRING, 0, 1, 64, NULL, NULL },
	{ "mode", JS_ENUM, 1, 0, 0, NULL, client_modes },
	{ "instanceId", JS_STRING, 0, 1, CLIENT_FIELD_MAX - 1, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const struct json_field device_fields[] = {
	{ "id", JS_STRING, 1, 1, CLIENT_FIELD_MAX - 1, NULL, NULL },
	{ "publicKey", JS_STRING, 1, 1, 0, NULL, NULL },
	{ "signature", JS_STRING, 1, 1, 0, NULL, NULL },
	{ "signedAt", JS_INT, 1, 0, 0, NULL, NULL },
	{ "nonce", JS_STRING, 1, 1, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const struct json_field auth_fields[] = {
	{ "token", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "bootstrapToken", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "deviceToken", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "password", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "approvalRuntimeToken", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "agentRuntimeIdentityToken", JS_STRING, 0, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct json_field connect_params[] = {
	{ "minProtocol", JS_INT, 1, 1, 0, NULL, NULL },
	{ "maxProtocol", JS_INT, 1, 1, 0, NULL, NULL },
	{ "client", JS_OBJECT, 1, 0, 0, client_fields, NULL },
	{ "caps", JS_STRINGS, 0, 1, 0, NULL, NULL },
	{ "commands", JS_STRINGS, 0, 1, 0, NULL, NULL },
	{ "computerUse", JS_ANY, 0, 0, 0, NULL, NULL },
	{ "workerRuns", JS_ANY, 0, 0, 0, NULL, NULL },
	{ "permissions", JS_ANY, 0, 0, 0, NULL, NULL },
	{ "pathEnv", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "role", JS_STRING, 0, 1, 0, NULL, NULL },
	{ "scopes", JS_STRINGS, 0, 1, 0, NULL, NULL },
	{ "modelCatalog", JS_ANY, 0, 0, 0, NULL, NULL },
	{ "device", JS_OBJECT, 0, 0, 0, device_fields, NULL },
	{ "auth", JS_OBJECT, 0, 0, 0, auth_fields, NULL },
	{ "locale", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "userAgent", JS_STRING, 0, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

/* the core methods */

static const char *const wake_modes[] = { "now", "next-heartbeat", NULL };

const struct json_field wake_params[] = {
	{ "mode", JS_ENUM, 1, 0, 0, NULL, wake_modes },
	{ "text", JS_STRING, 1, 1, 0, NULL, NULL },
	{ "sessionKey", JS_STRING, 0, 1, 0, NULL, NULL },
	{ "agentId", JS_STRING, 0, 1, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct json_field system_event_params[] = {
	{ "text", JS_STRING, 1, 0, 0, NULL, NULL },
	{ "idempotencyKey", JS_STRING, 0, 1, 0, NULL, NULL },
	{ "sessionKey", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "wake", JS_BOOL, 0, 0, 0, NULL, NULL },
	{ "deviceId", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "instanceId", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "host", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "ip", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "mode", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "version", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "platform", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "deviceFamily", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "modelIdentifier", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "lastInputSeconds", JS_ANY, 0, 0, 0, NULL, NULL },
	{ "reason", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "roles", JS_STRINGS, 0, 0, 0, NULL, NULL },
	{ "scopes", JS_STRINGS, 0, 0, 0, NULL, NULL },
	{ "tags", JS_STRINGS, 0, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct json_field logs_params[] = {
	{ "cursor", JS_INT, 0, 0, 0, NULL, NULL },
	{ "limit", JS_INT, 0, 1, 0, NULL, NULL },
	{ "maxBytes", JS_INT, 0, 1, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

/* what a gateway with no agents answers empty: the filters are checked as there, and match nothing */

static const char *const cron_enabled[] = { "all", "enabled", "disabled", NULL };
static const char *const cron_kinds[] = { "all", "at", "every", "cron", "on-exit", "stream", NULL };
static const char *const cron_run_status[] = { "all", "ok", "error", "skipped", "unknown", NULL };
static const char *const cron_triggers[] = { "all", "conditional", "unconditional", NULL };
static const char *const cron_sort[] = { "nextRunAtMs", "updatedAtMs", "name", NULL };
static const char *const sort_dir[] = { "asc", "desc", NULL };

const struct json_field cron_list_params[] = {
	{ "sessionKey", JS_STRING, 0, 1, 0, NULL, NULL },
	{ "sessionAgentId", JS_STRING, 0, 1, 0, NULL, NULL },
	{ "includeDisabled", JS_BOOL, 0, 0, 0, NULL, NULL },
	{ "limit", JS_INT, 0, 1, 0, NULL, NULL },
	{ "offset", JS_INT, 0, 0, 0, NULL, NULL },
	{ "query", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "enabled", JS_ENUM, 0, 0, 0, NULL, cron_enabled },
	{ "scheduleKind", JS_ENUM, 0, 0, 0, NULL, cron_kinds },
	{ "lastRunStatus", JS_ENUM, 0, 0, 0, NULL, cron_run_status },
	{ "trigger", JS_ENUM, 0, 0, 0, NULL, cron_triggers },
	{ "sortBy", JS_ENUM, 0, 0, 0, NULL, cron_sort },
	{ "sortDir", JS_ENUM, 0, 0, 0, NULL, sort_dir },
	{ "agentId", JS_STRING, 0, 1, 0, NULL, NULL },
	{ "compact", JS_BOOL, 0, 0, 0, NULL, NULL },
	{ "includeDeliveryPreviews", JS_BOOL, 0, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const char *const sessions_sort[] = { "updatedAt", "lastInteractionAt", "activity", NULL };

const struct json_field sessions_list_params[] = {
	{ "limit", JS_INT, 0, 1, 0, NULL, NULL }, { "offset", JS_INT, 0, 0, 0, NULL, NULL },
	{ "activeMinutes", JS_INT, 0, 1, 0, NULL, NULL }, { "activeOnly", JS_BOOL, 0, 0, 0, NULL, NULL },
	{ "requireLastInteraction", JS_BOOL, 0, 0, 0, NULL, NULL },
	{ "sortBy", JS_ENUM, 0, 0, 0, NULL, sessions_sort }, { "includeGlobal", JS_BOOL, 0, 0, 0, NULL, NULL },
	{ "includeUnknown", JS_BOOL, 0, 0, 0, NULL, NULL }, { "excludeSubagents", JS_BOOL, 0, 0, 0, NULL, NULL },
	{ "excludeCron", JS_BOOL, 0, 0, 0, NULL, NULL }, { "excludeSystem", JS_BOOL, 0, 0, 0, NULL, NULL },
	{ "configuredAgentsOnly", JS_BOOL, 0, 0, 0, NULL, NULL },
	{ "includeDerivedTitles", JS_BOOL, 0, 0, 0, NULL, NULL },
	{ "includeLastMessage", JS_BOOL, 0, 0, 0, NULL, NULL },
	{ "includeActivitySummary", JS_BOOL, 0, 0, 0, NULL, NULL },
	{ "label", JS_STRING, 0, 1, 0, NULL, NULL }, { "projectId", JS_STRING, 0, 1, 0, NULL, NULL },
	{ "workspaceDir", JS_STRING, 0, 1, 0, NULL, NULL }, { "group", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "pinned", JS_BOOL, 0, 0, 0, NULL, NULL }, { "boardFace", JS_ANY, 0, 0, 0, NULL, NULL },
	{ "hasBoard", JS_BOOL, 0, 0, 0, NULL, NULL }, { "creatorId", JS_STRING, 0, 1, 0, NULL, NULL },
	{ "ownerId", JS_STRING, 0, 1, 0, NULL, NULL }, { "ownerFirst", JS_BOOL, 0, 0, 0, NULL, NULL },
	{ "involvingMe", JS_BOOL, 0, 0, 0, NULL, NULL }, { "profileRelation", JS_ANY, 0, 0, 0, NULL, NULL },
	{ "involvingProfileId", JS_STRING, 0, 1, 0, NULL, NULL }, { "includePeople", JS_BOOL, 0, 0, 0, NULL, NULL },
	{ "spawnedBy", JS_STRING, 0, 1, 0, NULL, NULL }, { "agentId", JS_STRING, 0, 1, 0, NULL, NULL },
	{ "search", JS_STRING, 0, 0, 0, NULL, NULL }, { "archived", JS_ANY, 0, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

/* the node broker's methods */

const struct json_field no_params[] = { { NULL, 0, 0, 0, 0, NULL, NULL } };

const struct json_field describe_params[] = {
	{ "nodeId", JS_STRING, 1, 1, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct json_field request_params[] = {       /* node.pair.approve, node.pair.reject */
	{ "requestId", JS_STRING, 1, 1, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct json_field device_params[] = {        /* device.pair.remove */
	{ "deviceId", JS_STRING, 1, 1, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct json_field invoke_params[] = {
	{ "nodeId", JS_STRING, 1, 1, 0, NULL, NULL },
	{ "command", JS_STRING, 1, 1, 0, NULL, NULL },
	{ "params", JS_ANY, 0, 0, 0, NULL, NULL },
	{ "timeoutMs", JS_INT, 0, 0, 0, NULL, NULL },
	{ "idempotencyKey", JS_STRING, 1, 1, 0, NULL, NULL },
	{ "sessionKey", JS_STRING, 0, 1, 0, NULL, NULL },
	{ "turnSourceChannel", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "turnSourceTo", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "turnSourceAccountId", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "turnSourceThreadId", JS_ANY, 0, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const struct json_field result_error[] = {
	{ "code", JS_STRING, 0, 1, 0, NULL, NULL },
	{ "message", JS_STRING, 0, 1, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct json_field result_params[] = {
	{ "id", JS_STRING, 1, 1, 0, NULL, NULL },
	{ "nodeId", JS_STRING, 1, 1, 0, NULL, NULL },
	{ "ok", JS_BOOL, 1, 0, 0, NULL, NULL },
	{ "payload", JS_ANY, 0, 0, 0, NULL, NULL },
	{ "payloadJSON", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "error", JS_OBJECT, 0, 0, 0, result_error, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct json_field event_params[] = {
	{ "event", JS_STRING, 1, 1, 0, NULL, NULL },
	{ "payload", JS_ANY, 0, 0, 0, NULL, NULL },
	{ "payloadJSON", JS_STRING, 0, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct json_field skills_params[] = {
	{ "skills", JS_ARRAY, 1, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct json_field tools_params[] = {
	{ "tools", JS_ARRAY, 1, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

/* what a gateway without a model answers (empty.c), and the exec approvals (approvals.c) */

const struct json_field agent_identity_params[] = {
	{ "agentId", JS_STRING, 0, 1, 0, NULL, NULL },
	{ "sessionKey", JS_STRING, 0, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct json_field skills_status_params[] = {
	{ "agentId", JS_STRING, 0, 1, 0, NULL, NULL },
	{ "sessionKey", JS_STRING, 0, 1, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct json_field chat_history_params[] = {
	{ "sessionKey", JS_STRING, 1, 1, SESSION_KEY_MAX, NULL, NULL },
	{ "agentId", JS_STRING, 0, 1, 0, NULL, NULL },
	{ "cursor", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "limit", JS_INT, 0, 1, 0, NULL, NULL },
	{ "maxBytes", JS_INT, 0, 1, 0, NULL, NULL },
	{ "offset", JS_INT, 0, 0, 0, NULL, NULL },
	{ "pendingBefore", JS_INT, 0, 1, 0, NULL, NULL },
	{ "inputRunIds", JS_STRINGS, 0, 1, 0, NULL, NULL },
	{ "messageId", JS_STRING, 0, 1, 0, NULL, NULL },
	{ "sessionId", JS_STRING, 0, 1, 0, NULL, NULL },
	{ "maxChars", JS_INT, 0, 1, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const char *const command_scopes[] = { "text", "native", "both", NULL };

const struct json_field commands_list_params[] = {
	{ "sessionKey", JS_STRING, 0, 1, 0, NULL, NULL },
	{ "agentId", JS_STRING, 0, 1, 0, NULL, NULL },
	{ "provider", JS_STRING, 0, 1, 0, NULL, NULL },
	{ "scope", JS_ENUM, 0, 0, 0, NULL, command_scopes },
	{ "includeArgs", JS_BOOL, 0, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct json_field tools_catalog_params[] = {
	{ "agentId", JS_STRING, 0, 1, 0, NULL, NULL },
	{ "includePlugins", JS_BOOL, 0, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct json_field talk_config_params[] = {
	{ "includeSecrets", JS_BOOL, 0, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct json_field update_status_params[] = {
	{ "refreshCheckout", JS_BOOL, 0, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct json_field exec_set_params[] = {
	{ "file", JS_OBJECT, 1, 0, 0, NULL, NULL },
	{ "baseHash", JS_STRING, 0, 1, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct json_field exec_node_set_params[] = {       /* the node validates file and native */
	{ "nodeId", JS_STRING, 1, 1, 0, NULL, NULL },
	{ "file", JS_ANY, 0, 0, 0, NULL, NULL },
	{ "native", JS_ANY, 0, 0, 0, NULL, NULL },
	{ "baseHash", JS_STRING, 0, 1, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};
