/* schema.c: the real gateway's schemas, as closed objects for json_check */
#ifndef SCHEMA_H
#define SCHEMA_H

#include "json.h"

extern const struct json_field request_frame[];
extern const struct json_field connect_params[];
extern const struct json_field wake_params[];
extern const struct json_field system_event_params[];
extern const struct json_field logs_params[];
extern const struct json_field cron_list_params[];
extern const struct json_field sessions_list_params[];
extern const struct json_field no_params[];
extern const struct json_field describe_params[];         /* also node.pair.remove: { nodeId } */
extern const struct json_field request_params[];
extern const struct json_field device_params[];
extern const struct json_field invoke_params[];
extern const struct json_field result_params[];
extern const struct json_field event_params[];
extern const struct json_field skills_params[];
extern const struct json_field tools_params[];
extern const struct json_field agent_identity_params[];
extern const struct json_field skills_status_params[];
extern const struct json_field chat_history_params[];
extern const struct json_field commands_list_params[];
extern const struct json_field tools_catalog_params[];
extern const struct json_field talk_config_params[];
extern const struct json_field update_status_params[];
extern const struct json_field exec_set_params[];
extern const struct json_field exec_node_set_params[];   /* exec.approvals.node.get: describe_params */

#endif
