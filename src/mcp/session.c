/* mcp/session: the MCP server's protocol, apart from its transport (see server.h). */
#include <string.h>
#include "mcp/server.h"

static const char *const versions[] = {"2025-06-18", "2025-03-26", "2024-11-05"};

typedef struct active {
  struct active *next;
  json_t *req_id;      /* the client's request id */
  void *tag;           /* the transport's handle of that request */
  uint64_t run_id;
  dw__mcp_session *s;
} active;

typedef struct asking {
  struct asking *next;
  json_int_t id;
  dw__cm_elicit_done done;
  void *user;
} asking;

struct dw__mcp_session {
  dw__cm *cm;
  dw__mcp_send_fn send;
  void *user;
  bool initialized;     /* initialize was answered */
  bool elicitation;     /* the client declared the capability */
  char version[16];
  char tenant[65];      /* runs go to this tenant's executors ("": the default) */
  active *calls;
  size_t n_calls;
  asking *asks;
  json_int_t next_id;
};

/* ---- framing -------------------------------------------------------------------------- */

json_t *dw__rpc_error(const json_t *id, int code, const char *message) {
  return json_pack("{s:s, s:O, s:{s:i, s:s}}", "jsonrpc", "2.0", "id", id ? id : json_null(),
                   "error", "code", code, "message", message);
}

const char *dw__rpc_negotiate(const char *asked) {
  for (size_t i = 0; asked && i < DW_ARRAY_LEN(versions); i++)
    if (!strcmp(asked, versions[i])) return versions[i];
  return versions[0];
}

bool dw__rpc_version_known(const char *v) {
  for (size_t i = 0; v && i < DW_ARRAY_LEN(versions); i++)
    if (!strcmp(v, versions[i])) return true;
  return false;
}

static bool valid_id(const json_t *id) { return json_is_string(id) || json_is_integer(id); }

dw__rpc_kind dw__rpc_parse(const char *line, size_t len, json_t **msg, json_t **reply) {
  *msg = *reply = NULL;
  json_error_t je;
  json_t *m = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
  if (!m) {
    char t[300];
    snprintf(t, sizeof t, "Parse error: %s", je.text);
    *reply = dw__rpc_error(NULL, -32700, t);
    return DW__RPC_INVALID;
  }
  if (json_is_array(m)) {
    *reply = dw__rpc_error(NULL, -32600, "Invalid Request: JSON-RPC batches are not supported "
                                         "(MCP 2025-06-18 removed them); send one message at a time");
    json_decref(m);
    return DW__RPC_INVALID;
  }
  json_t *id = json_object_get(m, "id"), *method = json_object_get(m, "method");
  const char *problem = NULL;
  if (!json_is_object(m)) problem = "a message must be a JSON object";
  else if (!json_is_string(json_object_get(m, "jsonrpc")) ||
           strcmp(json_string_value(json_object_get(m, "jsonrpc")), "2.0"))
    problem = "\"jsonrpc\" must be \"2.0\"";
  else if (id && !valid_id(id) && !(json_is_null(id) && !method))
    problem = "\"id\" must be a string or an integer";
  else if (method && !json_is_string(method)) problem = "\"method\" must be a string";
  else if (method && json_object_get(m, "params") && !json_is_object(json_object_get(m, "params")) &&
           !json_is_array(json_object_get(m, "params")))
    problem = "\"params\" must be an object";
  else if (!method && !json_object_get(m, "result") && !json_object_get(m, "error"))
    problem = "neither a request (\"method\") nor a response (\"result\"/\"error\")";
  if (problem) {
    char t[300];
    snprintf(t, sizeof t, "Invalid Request: %s", problem);
    *reply = dw__rpc_error(json_is_object(m) && valid_id(id) ? id : NULL, -32600, t);
    json_decref(m);
    return DW__RPC_INVALID;
  }
  *msg = m;
  if (!method) return DW__RPC_RESPONSE;
  return id ? DW__RPC_REQUEST : DW__RPC_NOTIFICATION;
}

/* ---- output --------------------------------------------------------------------------- */

static void reply(dw__mcp_session *s, void *tag, const json_t *id, json_t *result) {
  json_t *m = json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id, "result", result);
  if (m) s->send(s->user, tag, m, true);
  json_decref(m);
}

static void reply_error(dw__mcp_session *s, void *tag, const json_t *id, int code,
                        const char *message) {
  json_t *m = dw__rpc_error(id, code, message);
  if (m) s->send(s->user, tag, m, true);
  json_decref(m);
}

/* ---- elicitation ---------------------------------------------------------------------- */

/* dw__cm_elicit_fn of one tools/call: the request goes out with that call's tag (over HTTP:
 * on the stream of the POST that carried the call, as the transport requires). */
static int elicit(void *self, const char *message, dw__cm_elicit_done done, void *user,
                  char *why, size_t why_len) {
  active *call = self;
  dw__mcp_session *s = call->s;
  if (!s->elicitation) {
    snprintf(why, why_len, "the MCP client did not declare the elicitation capability");
    return DW_E_BAD_REQUEST;
  }
  asking *a = calloc(1, sizeof *a);
  if (!a) return DW_E_NOMEM;
  a->id = ++s->next_id;
  a->done = done;
  a->user = user;
  a->next = s->asks;
  s->asks = a;
  json_t *m = json_pack("{s:s, s:I, s:s, s:{s:s, s:{s:s, s:{}}}}", "jsonrpc", "2.0", "id", a->id,
                        "method", "elicitation/create", "params", "message", message,
                        "requestedSchema", "type", "object", "properties");
  if (m) s->send(s->user, call->tag, m, false);
  json_decref(m);
  return 0;
}

static void on_response(dw__mcp_session *s, const json_t *m) {
  json_t *id = json_object_get(m, "id");
  if (!json_is_integer(id)) return;
  for (asking **pp = &s->asks; *pp; pp = &(*pp)->next) {
    asking *a = *pp;
    if (a->id != json_integer_value(id)) continue;
    *pp = a->next;
    const char *action = json_string_value(json_object_get(json_object_get(m, "result"), "action"));
    json_t *e = json_object_get(m, "error");
    char reason[300] = "";
    const char *emsg = json_string_value(json_object_get(e, "message"));
    if (e) snprintf(reason, sizeof reason, "the client answered with an error: %.200s", emsg ? emsg : "?");
    else if (!action || strcmp(action, "accept"))
      snprintf(reason, sizeof reason, "the user chose \"%.50s\"", action ? action : "(nothing)");
    a->done(a->user, !e && action && !strcmp(action, "accept"), *reason ? reason : NULL);
    free(a);
    return;
  }
}

/* ---- requests ------------------------------------------------------------------------- */

static void unlink_call(dw__mcp_session *s, active *a) {
  for (active **pp = &s->calls; *pp; pp = &(*pp)->next)
    if (*pp == a) { *pp = a->next; s->n_calls--; return; }
}

static void on_call_done(void *user, const json_t *result) {
  active *a = user;
  dw__mcp_session *s = a->s;
  unlink_call(s, a);
  reply(s, a->tag, a->req_id, json_deep_copy(result));
  json_decref(a->req_id);
  free(a);
}

static void tools_call(dw__mcp_session *s, void *tag, const json_t *id, const json_t *params) {
  const char *name = json_string_value(json_object_get(params, "name"));
  if (!name || strcmp(name, "code")) {
    char t[300];
    snprintf(t, sizeof t, "Unknown tool '%.100s': this server has one tool, 'code'", name ? name : "");
    reply_error(s, tag, id, dw_err_jsonrpc_code(DW_E_BAD_REQUEST), t);
    return;
  }
  if (s->n_calls >= DW__MCP_MAX_CALLS) {
    reply_error(s, tag, id, dw_err_jsonrpc_code(DW_E_OVERLOADED), "too many tools/call in flight; retry later");
    return;
  }
  active *a = calloc(1, sizeof *a);
  if (!a) { reply_error(s, tag, id, dw_err_jsonrpc_code(DW_E_NOMEM), "out of memory"); return; }
  a->s = s;
  a->tag = tag;
  a->req_id = json_deep_copy(id);
  /* Linked before the call: an elicitation may go out (with a->tag) before it returns. */
  a->next = s->calls;
  s->calls = a;
  s->n_calls++;
  char why[512] = "";
  json_t *args = json_object_get(params, "arguments");
  dw__cm_caller caller = {.tenant = s->tenant[0] ? s->tenant : NULL, .elicit = elicit,
                         .elicit_self = a};
  int err = dw__cm_call(s->cm, args, &caller, on_call_done, a, &a->run_id, why, sizeof why);
  if (!err) return;
  unlink_call(s, a);
  if (err == DW_E_BAD_REQUEST || err == DW_E_TOO_LARGE) {
    reply_error(s, tag, id, dw_err_jsonrpc_code(err), why);
  } else {
    /* Could not start (overloaded, lost executors): a tool error the model can read. */
    json_t *ans = json_pack("{s:n, s:[], s:{s:s, s:s, s:s}}", "result", "logs", "error", "code",
                            dw_err_code(err), "name", "Error", "message", why);
    char *text = json_dumps(ans, JSON_COMPACT);
    reply(s, tag, id, json_pack("{s:[{s:s, s:s}], s:O, s:b}", "content", "type", "text", "text",
                                text ? text : "{}", "structuredContent", ans, "isError", 1));
    free(text);
    json_decref(ans);
  }
  json_decref(a->req_id);
  free(a);
}

static void on_request(dw__mcp_session *s, const json_t *m, void *tag) {
  const char *method = json_string_value(json_object_get(m, "method"));
  json_t *id = json_object_get(m, "id"), *params = json_object_get(m, "params");
  if (!strcmp(method, "initialize")) {
    const char *asked = json_string_value(json_object_get(params, "protocolVersion"));
    snprintf(s->version, sizeof s->version, "%s", dw__rpc_negotiate(asked));
    s->elicitation = json_object_get(json_object_get(params, "capabilities"), "elicitation") != NULL;
    s->initialized = true;
    reply(s, tag, id, json_pack("{s:s, s:{s:{s:b}}, s:{s:s, s:s}, s:s}", "protocolVersion",
                                s->version, "capabilities", "tools", "listChanged", 0,
                                "serverInfo", "name", "dynworker", "version", dw_version_string(),
                                "instructions",
                                "dynworker Code Mode: call the `code` tool with TypeScript that "
                                "uses the typed API in its description; one call can chain many "
                                "tools."));
  } else if (!strcmp(method, "ping")) {
    reply(s, tag, id, json_object());
  } else if (!strcmp(method, "tools/list")) {
    reply(s, tag, id, json_pack("{s:o}", "tools", dw__cm_tools(s->cm)));
  } else if (!strcmp(method, "tools/call")) {
    tools_call(s, tag, id, params);
  } else {
    char t[200];
    snprintf(t, sizeof t, "Method not found: %.100s", method);
    reply_error(s, tag, id, dw_err_jsonrpc_code(DW_E_NOT_FOUND), t);
  }
}

static void drop_call(dw__mcp_session *s, active *a) {
  unlink_call(s, a);
  dw__cm_cancel(s->cm, a->run_id);
  json_decref(a->req_id);
  free(a);
}

static void on_notification(dw__mcp_session *s, const json_t *m) {
  const char *method = json_string_value(json_object_get(m, "method"));
  if (strcmp(method, "notifications/cancelled")) return; /* initialized, progress, ...: nothing to do */
  json_t *rid = json_object_get(json_object_get(m, "params"), "requestId");
  for (active *a = s->calls; a; a = a->next)
    if (json_equal(a->req_id, rid)) { drop_call(s, a); return; }
}

void dw__mcp_session_handle(dw__mcp_session *s, dw__rpc_kind kind, const json_t *msg, void *tag) {
  switch (kind) {
  case DW__RPC_REQUEST: on_request(s, msg, tag); break;
  case DW__RPC_NOTIFICATION: on_notification(s, msg); break;
  case DW__RPC_RESPONSE: on_response(s, msg); break;
  case DW__RPC_INVALID: break;
  }
}

void dw__mcp_session_forget(dw__mcp_session *s, void *tag) {
  active *next;
  for (active *a = s->calls; a; a = next) {
    next = a->next;
    if (a->tag == tag) drop_call(s, a);
  }
}

bool dw__mcp_session_busy(const dw__mcp_session *s) { return s->calls || s->asks; }

int dw__mcp_session_set_tenant(dw__mcp_session *s, const char *tenant) {
  if (!tenant || strlen(tenant) >= sizeof s->tenant) return DW_E_BAD_REQUEST;
  snprintf(s->tenant, sizeof s->tenant, "%s", tenant);
  return 0;
}

int dw__mcp_session_new(dw__cm *cm, dw__mcp_send_fn send, void *user, dw__mcp_session **out) {
  dw__mcp_session *s = calloc(1, sizeof *s);
  if (!s) return DW_E_NOMEM;
  s->cm = cm;
  s->send = send;
  s->user = user;
  snprintf(s->version, sizeof s->version, "%s", versions[0]);
  *out = s;
  return 0;
}

void dw__mcp_session_free(dw__mcp_session *s) {
  if (!s) return;
  while (s->calls) drop_call(s, s->calls);
  while (s->asks) {
    asking *a = s->asks;
    s->asks = a->next;
    a->done(a->user, false, "the client has gone");
    free(a);
  }
  free(s);
}
