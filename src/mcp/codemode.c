/* mcp/codemode: the `code` tool: description, runs, tool calls, answers (see codemode.h). */
#include "mcp/codemode.h"

#include <event2/event.h>
#include <stdarg.h>
#include <string.h>
#include "mcp/schema.h"
#include "mcp/source.h"
#include "mcp/tsgen.h"
#include "mcp/upstream.h"

#define MAX_DESCRIPTION ((size_t)4 << 20)
#define MAX_SEARCH_RESULTS 20
#define MAX_ERROR_BYTES 4096

static const char instruction[] =
    "Run TypeScript or JavaScript in a sandbox that can only call the functions below (all "
    "async: `await ns.tool({...})`); call several tools in one go, return only what is needed. "
    "Code: statements (the last expression's value is returned), a function body with `return`, "
    "or an async arrow function. No network, files or imports. Answer: JSON {result, logs "
    "(console.log), error}; error lines count from your code's first line.";

typedef struct host_call host_call;
typedef struct run run;

struct run {
  run *next;
  dw__cm *cm;
  uint64_t id;          /* ours (dw__cm_call's) */
  uint64_t sup_id;      /* the runner's */
  bool invoked;
  dw__cm_done done;
  void *user;
  dw__cm_elicit_fn elicit;  /* asks this run's client (NULL: nobody) */
  void *elicit_self;
  uint32_t tool_calls;
  host_call *calls;     /* in flight */
  char *module;         /* for the stack cleaner */
  size_t prefix_len;
};

struct host_call {
  host_call *next;
  run *run;             /* NULL once the run has ended (then nobody waits) */
  dw__cm *cm;
  dw__sup_call *call;   /* NULL once answered */
  size_t up;            /* upstream index */
  size_t tool;
  uint64_t up_id;       /* the upstream request, when forwarded */
  bool forwarded, eliciting;
  json_t *input;
  char name[300];       /* "server.tool" as the API spells it */
};

struct dw__cm {
  struct event_base *base;
  dw__cm_config cfg;
  dw__cm_runner runner;
  dw__up **ups;
  size_t n_ups;
  dw__ts_server *ts;    /* one per upstream, in config order (names stable) */
  char **ns;            /* generated namespace of each upstream */
  char *description;
  bool over_budget;
  run *runs;
  uint64_t next_id;
};


/* ---- config ------------------------------------------------------------------------- */

static int get_u32(const json_t *o, const char *key, uint32_t min, uint32_t max, uint32_t *out,
                   char *why, size_t why_len) {
  json_t *v = json_object_get(o, key);
  if (!v) return 0;
  if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
    return dw__whyf(why, why_len, DW_E_BAD_REQUEST, "codeMode.%s must be an integer from %u to %u",
                 key, min, max);
  *out = (uint32_t)json_integer_value(v);
  return 0;
}

int dw__cm_config_parse(const json_t *cm, dw__cm_config *out, char *why, size_t why_len) {
  *out = (dw__cm_config){.wall_ms = 60000, .cpu_ms = 30000, .memory_mb = 256,
                         .max_tool_calls = 100, .max_output_bytes = 65536, .token_budget = 4000,
                         .tool_timeout_ms = 60000, .connect_timeout_ms = 10000, .executors = 1};
  if (!cm) return 0;
  if (!json_is_object(cm)) return dw__whyf(why, why_len, DW_E_BAD_REQUEST, "\"codeMode\" must be an object");
  static const char *const keys[] = {"wallMs", "cpuMs", "memoryMb", "maxToolCalls", "maxOutputBytes",
                                     "tokenBudget", "approval", "executors", "toolTimeoutMs",
                                     "connectTimeoutMs"};
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)cm, k, v) {
    size_t i = 0;
    while (i < DW_ARRAY_LEN(keys) && strcmp(keys[i], k)) i++;
    if (i == DW_ARRAY_LEN(keys))
      return dw__whyf(why, why_len, DW_E_BAD_REQUEST, "codeMode.%s is not a known key (see docs/CODE-MODE.md)", k);
  }
  uint32_t out_bytes = 65536, budget = 4000, ex = 1;
  int err = 0;
  if (!err) err = get_u32(cm, "wallMs", 10, 300000, &out->wall_ms, why, why_len);
  if (!err) err = get_u32(cm, "cpuMs", 1, 60000, &out->cpu_ms, why, why_len);
  if (!err) err = get_u32(cm, "memoryMb", 16, 4096, &out->memory_mb, why, why_len);
  if (!err) err = get_u32(cm, "maxToolCalls", 0, 10000, &out->max_tool_calls, why, why_len);
  if (!err) err = get_u32(cm, "maxOutputBytes", 256, 64u << 20, &out_bytes, why, why_len);
  if (!err) err = get_u32(cm, "tokenBudget", 0, 10000000, &budget, why, why_len);
  if (!err) err = get_u32(cm, "executors", 1, 64, &ex, why, why_len);
  if (!err) err = get_u32(cm, "toolTimeoutMs", 10, 3600000, &out->tool_timeout_ms, why, why_len);
  if (!err) err = get_u32(cm, "connectTimeoutMs", 10, 600000, &out->connect_timeout_ms, why, why_len);
  if (err) return err;
  out->max_output_bytes = out_bytes;
  out->token_budget = budget;
  out->executors = ex;
  json_t *ap = json_object_get(cm, "approval");
  if (ap) {
    size_t i;
    json_array_foreach(ap, i, v) if (!json_is_string(v) || !strchr(json_string_value(v), '.'))
      return dw__whyf(why, why_len, DW_E_BAD_REQUEST, "codeMode.approval must be an array of \"server.tool\" strings");
    if (!json_is_array(ap))
      return dw__whyf(why, why_len, DW_E_BAD_REQUEST, "codeMode.approval must be an array of \"server.tool\" strings");
    out->approval = json_incref(ap);
  }
  return 0;
}

void dw__cm_config_free(dw__cm_config *c) {
  json_decref(c->approval);
  c->approval = NULL;
}

/* ---- set-up and description ----------------------------------------------------------- */

/* ts[i] mirrors the upstream's current tool list (after a reconnect the list may change). */
static int mirror_tools(dw__cm *cm, size_t i) {
  const dw__mcp_tools *t = dw__up_tools(cm->ups[i]);
  dw__ts_tool *tools = calloc(t->n_tools + 1, sizeof *tools);
  if (!tools) return DW_E_NOMEM;
  for (size_t j = 0; j < t->n_tools; j++)
    tools[j] = (dw__ts_tool){t->tools[j].name, t->tools[j].description, t->tools[j].input_schema,
                             t->tools[j].output_schema};
  free((void *)cm->ts[i].tools);
  cm->ts[i].tools = tools;
  cm->ts[i].n_tools = t->n_tools;
  return 0;
}

/* The namespace tsgen gives server i: ask for the API of that server alone in names-only
 * form would renumber; instead look a tool up, or derive from a describe of the first tool. */
static void namespaces(dw__cm *cm) {
  /* tsgen's names depend on the whole server list: generate names-only API once and read
   * each `declare namespace X {` in order. */
  dw_buf b;
  dw__buf_init(&b, MAX_DESCRIPTION);
  dw__ts_opts o = {.names_only = true, .compact = true};
  if (dw__ts_api(cm->ts, cm->n_ups, &o, &b) == 0) {
    const char *p = b.data ? b.data : "";
    for (size_t i = 0; i < cm->n_ups; i++) {
      const char *d = strstr(p, "declare namespace ");
      if (!d) break;
      d += strlen("declare namespace ");
      size_t n = strcspn(d, " {\n");
      free(cm->ns[i]);
      cm->ns[i] = dw__strndup(d, n);
      p = d + n;
    }
  }
  dw__buf_free(&b);
}

static int build_description(dw__cm *cm) {
  dw_buf api, d;
  dw__buf_init(&api, MAX_DESCRIPTION);
  dw__buf_init(&d, MAX_DESCRIPTION + 65536);
  char why[256] = "";
  dw__ts_opts o = {.why = why, .why_len = sizeof why};
  int err = dw__ts_api(cm->ts, cm->n_ups, &o, &api);
  cm->over_budget = err == DW_E_TOO_LARGE || dw__ts_tokens(api.len) > cm->cfg.token_budget;
  if (cm->over_budget) {
    dw__buf_reset(&api);
    dw__ts_opts no = {.listing = true, .why = why, .why_len = sizeof why};
    err = dw__ts_api(cm->ts, cm->n_ups, &no, &api);
  }
  if (err) {
    dw__buf_reset(&api);
    dw__buf_printf(&api, "// (the API could not be generated: %s)\n", why);
    err = 0;
  }
  err = dw__buf_puts(&d, instruction);
  if (!err && cm->over_budget)
    err = dw__buf_puts(&d, " Only the tool names are shown: `await search(\"words\")` finds "
                           "tools, `await describe(\"server.tool\")` gives one's declaration; "
                           "then call `server.tool(input)`.");
  if (!err) err = dw__buf_puts(&d, "\n\n```ts\n");
  if (!err && api.len) err = dw__buf_append(&d, api.data, api.len);
  if (!err && cm->over_budget)
    err = dw__buf_puts(&d, "/** Finds tools: [{name: \"server.tool\", description}], best first. */\n"
                           "declare function search(query: string): Promise<{ name: string; description: string }[]>;\n"
                           "/** The TypeScript declaration of one tool (\"server.tool\"). */\n"
                           "declare function describe(name: string): Promise<string>;\n");
  for (size_t i = 0; !err && i < cm->n_ups; i++) {
    const char *st = dw__up_status(cm->ups[i]);
    if (st)
      err = dw__buf_printf(&d, "// namespace %s (server \"%s\") is unreachable: %s\n",
                           cm->ns[i] ? cm->ns[i] : "?", dw__up_name(cm->ups[i]), st);
  }
  if (!err) err = dw__buf_puts(&d, "```\n");
  if (!err) {
    free(cm->description);
    cm->description = dw__buf_steal(&d, NULL);
  }
  dw__buf_free(&api);
  dw__buf_free(&d);
  return err;
}

int dw__cm_new(struct event_base *base, const json_t *root, const dw__cm_runner *runner,
               dw__cm **out, char *why, size_t why_len) {
  *out = NULL;
  if (!json_is_object(root)) return dw__whyf(why, why_len, DW_E_BAD_REQUEST, "the config must be a JSON object");
  static const char *const keys[] = {"mcpServers", "codeMode", "$schema"};
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)root, k, v) {
    size_t i = 0;
    while (i < DW_ARRAY_LEN(keys) && strcmp(keys[i], k)) i++;
    if (i == DW_ARRAY_LEN(keys))
      return dw__whyf(why, why_len, DW_E_BAD_REQUEST, "\"%s\" is not a known key (mcpServers, codeMode)", k);
  }
  json_t *ms = json_object_get(root, "mcpServers");
  if (!json_is_object(ms)) return dw__whyf(why, why_len, DW_E_BAD_REQUEST, "the config needs an \"mcpServers\" object");
  if (json_object_size(ms) > DW__TS_MAX_SERVERS)
    return dw__whyf(why, why_len, DW_E_TOO_LARGE, "more than %d servers", DW__TS_MAX_SERVERS);
  dw__cm *cm = calloc(1, sizeof *cm);
  if (!cm) return DW_E_NOMEM;
  cm->base = base;
  if (runner) cm->runner = *runner;
  cm->next_id = 1;
  int err = dw__cm_config_parse(json_object_get(root, "codeMode"), &cm->cfg, why, why_len);
  size_t n = json_object_size(ms);
  cm->ups = calloc(n + 1, sizeof *cm->ups);
  cm->ts = calloc(n + 1, sizeof *cm->ts);
  cm->ns = calloc(n + 1, sizeof *cm->ns);
  if (!err && (!cm->ups || !cm->ts || !cm->ns)) err = DW_E_NOMEM;
  json_object_foreach(ms, k, v) {
    if (err) break;
    err = dw__up_new(base, k, v, (int)cm->cfg.connect_timeout_ms, &cm->ups[cm->n_ups], why, why_len);
    if (!err) {
      cm->ts[cm->n_ups].name = dw__up_name(cm->ups[cm->n_ups]);
      cm->n_ups++;
    }
  }
  for (size_t i = 0; !err && i < cm->n_ups; i++) {
    char w[512];
    if (dw__up_connect(cm->ups[i], w, sizeof w))
      fprintf(stderr, "dynworker mcp: server '%s' is unreachable: %s\n", dw__up_name(cm->ups[i]), w);
    err = mirror_tools(cm, i);
  }
  if (!err) namespaces(cm);
  if (!err) err = build_description(cm);
  if (err) {
    dw__cm_free(cm);
    if (err == DW_E_NOMEM) dw__whyf(why, why_len, err, "out of memory");
    return err;
  }
  *out = cm;
  return 0;
}

static void run_end(run *r);

void dw__cm_free(dw__cm *cm) {
  if (!cm) return;
  while (cm->runs) {
    run *r = cm->runs;
    if (r->invoked && cm->runner.abandon) cm->runner.abandon(cm->runner.self, r->sup_id);
    run_end(r);
  }
  for (size_t i = 0; i < cm->n_ups; i++) {
    dw__up_free(cm->ups[i]);
    free((void *)cm->ts[i].tools);
    free(cm->ns[i]);
  }
  free(cm->ups);
  free(cm->ts);
  free(cm->ns);
  free(cm->description);
  dw__cm_config_free(&cm->cfg);
  free(cm);
}

const dw__cm_config *dw__cm_cfg(const dw__cm *cm) { return &cm->cfg; }

const char *dw__cm_description(dw__cm *cm) { return cm->description; }

json_t *dw__cm_tools(dw__cm *cm) {
  return json_pack("[{s:s, s:s, s:s, s:{s:s, s:{s:{s:s, s:s}, s:{s:s, s:[s,s], s:s}}, s:[s], s:b}, s:{s:b, s:b, s:b}}]",
                   "name", "code", "title", "Run code over the tools", "description", cm->description,
                   "inputSchema", "type", "object", "properties", "code", "type", "string",
                   "description", "TypeScript or JavaScript, fenced or not",
                   "language", "type", "string", "enum", "typescript", "javascript", "description",
                   "default: the fence's, else typescript",
                   "required", "code", "additionalProperties", 0,
                   "annotations", "readOnlyHint", 0, "destructiveHint", 1, "openWorldHint", 1);
}

/* ---- answers ----------------------------------------------------------------------- */

char *dw__cm_clean_stack(const char *stack, const char *module, size_t prefix_len) {
  dw_buf b;
  dw__buf_init(&b, 1u << 20);
  size_t ml = strlen(module);
  const char *p = stack;
  while (p && *p) {
    const char *nl = strchr(p, '\n');
    size_t ll = nl ? (size_t)(nl - p) : strlen(p);
    char line[2048];
    snprintf(line, sizeof line, "%.*s", (int)DW_MIN(ll, sizeof line - 1), p);
    p = nl ? nl + 1 : NULL;
    /* Only frames of the model's code: the wrapper's, the runtime's and message lines a
     * host error's stack may carry say nothing about the model's lines. */
    if (strstr(line, "__dw_default") || !strstr(line, module)) continue;
    /* module:1:C -> drop inside the prefix, else shift the column */
    char *at = strstr(line, module);
    bool keep = true;
    char out[2200];
    snprintf(out, sizeof out, "%s", line);
    if (at && at[ml] == ':' && at[ml + 1] == '1' && at[ml + 2] == ':') {
      long col = strtol(at + ml + 3, NULL, 10);
      if ((size_t)col <= prefix_len) keep = false;
      else {
        const char *rest = at + ml + 3;
        while (*rest >= '0' && *rest <= '9') rest++;
        snprintf(out, sizeof out, "%.*s%s:1:%ld%s", (int)(at - line), line, module,
                 col - (long)prefix_len, rest);
      }
    }
    if (!keep) continue;
    char *w;
    while ((w = strstr(out, "__dw_main")) || (w = strstr(out, "__dw_fn"))) {
      size_t wl = w[5] == 'm' ? 9 : 7;
      memmove(w + 6, w + wl, strlen(w + wl) + 1);
      memcpy(w, "<code>", 6);
    }
    if (b.len) dw__buf_putc(&b, '\n');
    dw__buf_puts(&b, out);
  }
  return dw__buf_steal(&b, NULL);
}

static size_t json_size(const json_t *v) {
  char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
  size_t n = s ? strlen(s) : 0;
  free(s);
  return n;
}

/* Cuts a string value at a UTF-8 boundary within `max` bytes with the marker. */
static json_t *cut_text(const char *s, size_t len, size_t max) {
  if (len <= max) return json_stringn(s, len);
  size_t n = max;
  while (n && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
  dw_buf b;
  dw__buf_init(&b, max + 128);
  dw__buf_append(&b, s, n);
  dw__buf_printf(&b, " [output truncated: %zu of %zu bytes]", n, len);
  json_t *j = json_stringn(b.data ? b.data : "", b.len);
  dw__buf_free(&b);
  return j;
}

json_t *dw__cm_answer(const json_t *result, const json_t *logs, const json_t *error, size_t max) {
  json_t *ans = json_object();
  json_t *err = error && !json_is_null(error) ? json_deep_copy(error) : json_null();
  /* The error is kept whole except a huge stack or message. */
  const char *keys[] = {"stack", "message"};
  for (size_t i = 0; i < 2 && json_is_object(err); i++) {
    const char *s = json_string_value(json_object_get(err, keys[i]));
    if (s && strlen(s) > MAX_ERROR_BYTES) json_object_set_new(err, keys[i], cut_text(s, strlen(s), MAX_ERROR_BYTES));
  }
  size_t budget = max > 128 ? max - 128 : max;
  size_t used = json_size(err);
  /* Logs: as many lines as fit in half of what is left; then a marker. */
  json_t *lg = json_array();
  size_t total = json_array_size(logs), i;
  json_t *l;
  size_t log_budget = used < budget ? (budget - used) / 2 : 0, log_used = 0;
  json_array_foreach(logs, i, l) {
    json_t *line;
    if (json_is_object(l)) {
      const char *lv = json_string_value(json_object_get(l, "level"));
      const char *m = json_string_value(json_object_get(l, "message"));
      dw_buf b;
      dw__buf_init(&b, 1u << 20);
      if (lv && strcmp(lv, "log") && strcmp(lv, "info")) dw__buf_printf(&b, "[%s] ", lv);
      dw__buf_puts(&b, m ? m : "");
      line = json_stringn(b.data ? b.data : "", b.len);
      dw__buf_free(&b);
    } else {
      line = json_deep_copy(l);
    }
    size_t sz = json_size(line) + 1;
    if (log_used + sz > log_budget) {
      size_t room = log_budget > log_used + 64 ? log_budget - log_used - 64 : 0;
      if (room > 32 && json_is_string(line)) {
        json_array_append_new(lg, cut_text(json_string_value(line), json_string_length(line), room));
        i++;
      }
      json_decref(line);
      char mk[128];
      snprintf(mk, sizeof mk, "[output truncated: %zu of %zu log lines]", i, total);
      json_array_append_new(lg, json_string(mk));
      break;
    }
    log_used += sz;
    json_array_append_new(lg, line);
  }
  used += json_size(lg);
  json_t *res = result ? json_deep_copy(result) : json_null();
  size_t rs = json_size(res);
  if (used + rs > budget) {
    char *s = json_dumps(res, JSON_ENCODE_ANY | JSON_COMPACT);
    size_t room = budget > used + 64 ? budget - used - 64 : 0;
    json_decref(res);
    res = s ? cut_text(s, strlen(s), room) : json_null();
    free(s);
  }
  json_object_set_new(ans, "result", res);
  json_object_set_new(ans, "logs", lg);
  json_object_set_new(ans, "error", err);
  return ans;
}

json_t *dw__cm_tool_value(const json_t *r, char **error) {
  *error = NULL;
  json_t *content = json_object_get(r, "content"), *sc = json_object_get(r, "structuredContent");
  dw_buf text;
  dw__buf_init(&text, DW__MCP_MAX_LINE);
  bool all_text = true;
  size_t i;
  json_t *c;
  json_array_foreach(content, i, c) {
    const char *t = json_string_value(json_object_get(c, "type"));
    if (t && !strcmp(t, "text")) {
      if (text.len) dw__buf_putc(&text, '\n');
      const char *s = json_string_value(json_object_get(c, "text"));
      dw__buf_puts(&text, s ? s : "");
    } else {
      all_text = false;
    }
  }
  json_t *v = NULL;
  if (json_is_true(json_object_get(r, "isError"))) {
    *error = dw__strdup(text.len ? text.data : "the tool reported an error without a message");
  } else if (sc) {
    v = json_incref(sc);
  } else if (!all_text) {
    v = content ? json_incref(content) : json_null();
  } else if (text.len) {
    json_error_t je;
    v = json_loadb(text.data, text.len, JSON_DECODE_ANY, &je);
    if (!v) v = json_stringn(text.data, text.len);
  } else {
    v = json_null();
  }
  dw__buf_free(&text);
  return v;
}

/* ---- tool calls -------------------------------------------------------------------- */

static void hc_reply(host_call *h, const json_t *result, const char *error) {
  if (!h->call) return;
  dw__sup_call *call = h->call;
  h->call = NULL;
  h->cm->runner.reply(call, result, error);
}

static void hc_unlink(host_call *h) {
  if (!h->run) return;
  for (host_call **pp = &h->run->calls; *pp; pp = &(*pp)->next)
    if (*pp == h) { *pp = h->next; break; }
  h->run = NULL;
}

static void hc_free(host_call *h) {
  hc_unlink(h);
  json_decref(h->input);
  free(h);
}

static void on_tool_result(void *user, int err, const char *message, const json_t *result) {
  host_call *h = user;
  h->forwarded = false;
  if (err) {
    char msg[1024];
    snprintf(msg, sizeof msg, "%s failed: %s", h->name, message ? message : dw_strerror(err));
    hc_reply(h, NULL, msg);
  } else {
    char *e = NULL;
    json_t *v = dw__cm_tool_value(result, &e);
    if (e) {
      dw_buf b;
      dw__buf_init(&b, 64u << 10);
      dw__buf_printf(&b, "%s failed: %.60000s", h->name, e);
      hc_reply(h, NULL, b.data);
      dw__buf_free(&b);
    } else {
      hc_reply(h, v, NULL);
    }
    free(e);
    json_decref(v);
  }
  hc_free(h);
}

static void forward(host_call *h) {
  dw__cm *cm = h->cm;
  const dw__mcp_tools *t = dw__up_tools(cm->ups[h->up]);
  if (h->tool >= t->n_tools) { hc_reply(h, NULL, "the tool is gone (its server restarted)"); hc_free(h); return; }
  json_t *params = json_pack("{s:s, s:O}", "name", t->tools[h->tool].name, "arguments", h->input);
  char why[768] = "";
  int err = params ? dw__up_call(cm->ups[h->up], "tools/call", params, cm->cfg.tool_timeout_ms,
                                 on_tool_result, h, &h->up_id, why, sizeof why)
                   : DW_E_NOMEM;
  json_decref(params);
  if (err) {
    char msg[1024];
    snprintf(msg, sizeof msg, "%.300s failed: %.600s", h->name, *why ? why : dw_strerror(err));
    hc_reply(h, NULL, msg);
    hc_free(h);
    return;
  }
  h->forwarded = true;
  /* The upstream may have been restarted with a different tool list. */
  if (mirror_tools(cm, h->up)) {}
}

static void on_approval(void *user, bool accepted, const char *reason) {
  host_call *h = user;
  h->eliciting = false;
  if (!h->run) { hc_free(h); return; } /* the run ended meanwhile */
  if (!accepted) {
    char msg[512];
    snprintf(msg, sizeof msg, "%s was not approved by the user%s%s", h->name, reason ? ": " : "",
             reason ? reason : "");
    hc_reply(h, NULL, msg);
    hc_free(h);
    return;
  }
  forward(h);
}

static bool needs_approval(dw__cm *cm, size_t up, const char *tool, const char *generated) {
  size_t i;
  json_t *v;
  json_array_foreach(cm->cfg.approval, i, v) {
    const char *s = json_string_value(v);
    const char *srv = dw__up_name(cm->ups[up]);
    size_t n = strlen(srv);
    if (!strncmp(s, srv, n) && s[n] == '.' && !strcmp(s + n + 1, tool)) return true;
    if (!strcmp(s, generated)) return true;
  }
  return false;
}

static void helper_call(dw__cm *cm, const char *fn, const json_t *args, dw__sup_call *call) {
  const char *q = json_string_value(json_array_get(args, 0));
  if (!q) { cm->runner.reply(call, NULL, "expected a string argument"); return; }
  dw_buf b;
  dw__buf_init(&b, MAX_DESCRIPTION);
  int err;
  if (!strcmp(fn, "search")) {
    err = dw__ts_search(cm->ts, cm->n_ups, q, MAX_SEARCH_RESULTS, &b);
    json_error_t je;
    json_t *v = err ? NULL : json_loadb(b.data ? b.data : "[]", b.len ? b.len : 2, 0, &je);
    if (v) cm->runner.reply(call, v, NULL);
    else cm->runner.reply(call, NULL, err == DW_E_TOO_LARGE ? "the query is too long" : "search failed");
    json_decref(v);
  } else {
    char why[256] = "";
    dw__ts_opts o = {.why = why, .why_len = sizeof why};
    err = dw__ts_describe_tool(cm->ts, cm->n_ups, q, &o, &b);
    if (!err) {
      json_t *s = json_stringn(b.data ? b.data : "", b.len);
      cm->runner.reply(call, s, NULL);
      json_decref(s);
    } else {
      char msg[768];
      snprintf(msg, sizeof msg, "describe(\"%.200s\"): %.400s (names look like \"server.tool\"; "
                                "search() finds them)", q, *why ? why : dw_strerror(err));
      cm->runner.reply(call, NULL, msg);
    }
  }
  dw__buf_free(&b);
}

void dw__cm_host_call(void *user, void *inv_user, const json_t *desc, const char *method,
                      const json_t *args, dw__sup_call *call) {
  dw__cm *cm = user;
  run *r = inv_user;
  json_t *host = json_object_get(desc, "$host");
  const char *fn = json_string_value(json_object_get(host, "fn"));
  const char *server = json_string_value(json_object_get(host, "server"));
  char msg[1024];
  if (!r) { cm->runner.reply(call, NULL, "this run has ended"); return; }
  if (++r->tool_calls > cm->cfg.max_tool_calls && cm->cfg.max_tool_calls) {
    snprintf(msg, sizeof msg, "more than %u tool calls in one run (codeMode.maxToolCalls)",
             cm->cfg.max_tool_calls);
    cm->runner.reply(call, NULL, msg);
    return;
  }
  if (fn && (!strcmp(fn, "search") || !strcmp(fn, "describe"))) { helper_call(cm, fn, args, call); return; }
  size_t up = 0;
  while (server && up < cm->n_ups && strcmp(dw__up_name(cm->ups[up]), server)) up++;
  if (!server || up == cm->n_ups || !method) { cm->runner.reply(call, NULL, "unknown tool binding"); return; }
  char name[300];
  snprintf(name, sizeof name, "%s.%s", cm->ns[up] ? cm->ns[up] : server, method);
  size_t si, ti;
  if (!cm->ts[up].n_tools && dw__up_status(cm->ups[up])) {
    /* Unreachable at start: try again now, then look the tool up. */
    char w[512];
    if (dw__up_connect(cm->ups[up], w, sizeof w)) {
      snprintf(msg, sizeof msg, "%s failed: upstream '%s' is unreachable: %s", name, server, w);
      cm->runner.reply(call, NULL, msg);
      return;
    }
    mirror_tools(cm, up);
  }
  if (dw__ts_lookup(cm->ts, cm->n_ups, name, &si, &ti) || si != up) {
    dw_buf b;
    dw__buf_init(&b, 8192);
    dw__buf_printf(&b, "%s is not a tool; %s has:", name, cm->ns[up] ? cm->ns[up] : server);
    /* list some generated names via search-free describe: use the tool names as given */
    for (size_t j = 0; j < cm->ts[up].n_tools && j < 50; j++)
      if (dw__buf_printf(&b, "%s %s", j ? "," : "", cm->ts[up].tools[j].name)) break;
    cm->runner.reply(call, NULL, b.data);
    dw__buf_free(&b);
    return;
  }
  const json_t *input = json_array_get(args, 0);
  if (input && !json_is_object(input) && !json_is_null(input)) {
    snprintf(msg, sizeof msg, "%s: expected an input object, got %s", name,
             json_is_array(input) ? "an array" : json_is_string(input) ? "a string" :
             json_is_number(input) ? "a number" : json_is_boolean(input) ? "a boolean" : "something else");
    cm->runner.reply(call, NULL, msg);
    return;
  }
  json_t *in = input && json_is_object(input) ? json_deep_copy(input) : json_object();
  const json_t *schema = cm->ts[up].tools[ti].input_schema;
  if (schema) {
    dw_buf e;
    dw__buf_init(&e, 16384);
    int v = dw__schema_validate(schema, in, "input", 0, &e);
    if (v == DW_E_BAD_REQUEST || v == DW_E_NOMEM) {
      dw_buf m;
      dw__buf_init(&m, 32768);
      dw__buf_printf(&m, "%s: invalid input (nothing was sent to the server):\n%s", name,
                     e.data ? e.data : "out of memory");
      if (m.len && m.data[m.len - 1] == '\n') m.data[--m.len] = '\0';
      cm->runner.reply(call, NULL, m.data);
      dw__buf_free(&m);
      dw__buf_free(&e);
      json_decref(in);
      return;
    }
    dw__buf_free(&e); /* DW_E_TOO_LARGE: too complex to check here; the upstream checks */
  }
  host_call *h = calloc(1, sizeof *h);
  if (!h) { json_decref(in); cm->runner.reply(call, NULL, "out of memory"); return; }
  h->cm = cm;
  h->run = r;
  h->call = call;
  h->up = up;
  h->tool = ti;
  h->input = in;
  snprintf(h->name, sizeof h->name, "%s", name);
  h->next = r->calls;
  r->calls = h;
  if (needs_approval(cm, up, cm->ts[up].tools[ti].name, name)) {
    char *shown = json_dumps(in, JSON_COMPACT);
    dw_buf m;
    dw__buf_init(&m, 8192);
    dw__buf_printf(&m, "The code wants to call %s with %.3000s%s. Allow it?", name,
                   shown ? shown : "{}", shown && strlen(shown) > 3000 ? "..." : "");
    free(shown);
    char why[256] = "";
    int err = r->elicit ? r->elicit(r->elicit_self, m.data, on_approval, h, why, sizeof why)
                         : dw__whyf(why, sizeof why, DW_E_BAD_REQUEST, "no client to ask");
    dw__buf_free(&m);
    if (err) {
      snprintf(msg, sizeof msg, "%s needs the user's approval, but it cannot be asked: %s", name, why);
      hc_reply(h, NULL, msg);
      hc_free(h);
      return;
    }
    h->eliciting = true;
    return;
  }
  forward(h);
}

/* ---- runs ---------------------------------------------------------------------------- */

/* Frees a run; in-flight tool calls are cancelled and answered. */
static void run_end(run *r) {
  dw__cm *cm = r->cm;
  for (run **pp = &cm->runs; *pp; pp = &(*pp)->next)
    if (*pp == r) { *pp = r->next; break; }
  while (r->calls) {
    host_call *h = r->calls;
    r->calls = h->next;
    h->run = NULL;
    hc_reply(h, NULL, "the code has finished");
    if (h->forwarded) { dw__up_cancel(cm->ups[h->up], h->up_id); hc_free(h); }
    else if (!h->eliciting) hc_free(h);
    /* eliciting: freed when the answer comes (on_approval) */
  }
  free(r->module);
  free(r);
}

static void on_run_done(void *user, const dw__sup_outcome *o) {
  run *r = user;
  dw__cm *cm = r->cm;
  const json_t *res = o->result;
  json_t *error = json_null();
  if (o->err || !json_is_true(json_object_get(res, "ok"))) {
    json_t *e = json_object_get(res, "error");
    int err = o->err ? o->err : DW_E_UNCAUGHT;
    const char *code = json_string_value(json_object_get(e, "code"));
    const char *msg = json_string_value(json_object_get(e, "message"));
    const char *stack = json_string_value(json_object_get(e, "stack"));
    const char *name = json_string_value(json_object_get(e, "name"));
    char limit[256] = "";
    if (err == DW_E_WALL_LIMIT) snprintf(limit, sizeof limit, "the code ran longer than %u ms (codeMode.wallMs)", cm->cfg.wall_ms);
    else if (err == DW_E_CPU_LIMIT) snprintf(limit, sizeof limit, "the code used more than %u ms of CPU (codeMode.cpuMs)", cm->cfg.cpu_ms);
    else if (err == DW_E_SUBREQUEST_LIMIT) snprintf(limit, sizeof limit, "the code made more than %u tool calls (codeMode.maxToolCalls)", cm->cfg.max_tool_calls);
    char *clean = stack ? dw__cm_clean_stack(stack, r->module ? r->module : "main.ts", r->prefix_len) : NULL;
    error = json_pack("{s:s, s:s, s:s}", "code", code ? code : dw_err_code(err), "name",
                      name ? name : "Error", "message", *limit ? limit : msg ? msg : dw_strerror(err));
    if (error && clean && *clean) json_object_set_new(error, "stack", json_string(clean));
    free(clean);
    if (!error) error = json_null();
  }
  json_t *ans = dw__cm_answer(json_object_get(res, "result"), json_object_get(res, "logs"), error,
                              cm->cfg.max_output_bytes);
  json_decref(error);
  char *text = json_dumps(ans, JSON_COMPACT);
  json_t *cr = json_pack("{s:[{s:s, s:s}], s:O, s:b}", "content", "type", "text", "text",
                         text ? text : "{}", "structuredContent", ans, "isError",
                         !json_is_null(json_object_get(ans, "error")));
  free(text);
  json_decref(ans);
  dw__cm_done done = r->done;
  void *du = r->user;
  run_end(r);
  done(du, cr);
  json_decref(cr);
}

int dw__cm_call(dw__cm *cm, const json_t *arguments, const dw__cm_caller *caller,
                dw__cm_done done, void *user, uint64_t *id, char *why, size_t why_len) {
  json_t *code = json_object_get(arguments, "code");
  json_t *lang = json_object_get(arguments, "language");
  if (!json_is_string(code))
    return dw__whyf(why, why_len, DW_E_BAD_REQUEST, "arguments.code: expected string, got %s",
                 code ? (json_is_number(code) ? "number" : "a non-string") : "nothing (missing)");
  if (lang && !json_is_string(lang))
    return dw__whyf(why, why_len, DW_E_BAD_REQUEST, "arguments.language: expected string");
  if (!cm->runner.invoke) return dw__whyf(why, why_len, DW_E_INTERNAL, "no runner");
  const char *names[DW__TS_MAX_SERVERS + 2];
  size_t nn = 0;
  json_t *env = json_object();
  for (size_t i = 0; i < cm->n_ups; i++) {
    if (!cm->ns[i]) continue;
    names[nn++] = cm->ns[i];
    json_object_set_new(env, cm->ns[i], json_pack("{s:{s:s}}", "$host", "server", dw__up_name(cm->ups[i])));
  }
  char prelude_buf[256] = "";
  const char *prelude = NULL;
  if (cm->over_budget) {
    /* Own env keys, so that a server named "search" keeps its namespace (which then wins:
     * the helper of the same name is not defined). */
    json_object_set_new(env, "__dw_search", json_pack("{s:{s:s}}", "$host", "fn", "search"));
    json_object_set_new(env, "__dw_describe", json_pack("{s:{s:s}}", "$host", "fn", "describe"));
    bool has_s = json_object_get(env, "search") != NULL, has_d = json_object_get(env, "describe") != NULL;
    snprintf(prelude_buf, sizeof prelude_buf, "%s%s",
             has_s ? "" : "const search = (q) => env.__dw_search.search(q);",
             has_d ? "" : " const describe = (n) => env.__dw_describe.describe(n);");
    prelude = prelude_buf;
  }
  dw__src_module m;
  int err = dw__src_wrap_with(json_string_value(code), json_string_length(code),
                              json_string_value(lang), names, nn, prelude, &m, why, why_len);
  if (err) { json_decref(env); return err; }
  /* subRequests: one more than maxToolCalls, so that our own check (a message naming the
   * setting) refuses the first call past the cap; the loader's limit stays as a backstop. */
  json_t *wc = json_pack("{s:s, s:{s:s}, s:o, s:n, s:{s:I, s:I, s:I}}", "mainModule", m.name,
                         "modules", m.name, m.text, "env", env, "globalOutbound", "limits",
                         "cpuMs", (json_int_t)cm->cfg.cpu_ms, "wallMs", (json_int_t)cm->cfg.wall_ms,
                         "subRequests", (json_int_t)(cm->cfg.max_tool_calls ? cm->cfg.max_tool_calls + 1 : 100000));
  run *r = calloc(1, sizeof *r);
  if (!wc || !r) { json_decref(wc); free(r); dw__src_module_free(&m); return DW_E_NOMEM; }
  r->cm = cm;
  r->id = cm->next_id++;
  r->done = done;
  r->user = user;
  r->elicit = caller ? caller->elicit : NULL;
  r->elicit_self = caller ? caller->elicit_self : NULL;
  r->module = dw__strdup(m.name);
  r->prefix_len = m.prefix_len;
  r->next = cm->runs;
  cm->runs = r;
  dw__sup_invocation inv = {.kind = DW_SUP_RUN, .tenant = caller ? caller->tenant : NULL,
                            .code = wc, .host_user = r};
  err = cm->runner.invoke(cm->runner.self, &inv, on_run_done, r, &r->sup_id);
  json_decref(wc);
  dw__src_module_free(&m);
  if (err) {
    /* Not run at all (overloaded, a WorkerCode the supervisor refuses): an answer anyway. */
    run_end(r);
    return dw__whyf(why, why_len, err, "the code could not be started: %s", dw_strerror(err));
  }
  r->invoked = true;
  if (id) *id = r->id;
  return 0;
}

void dw__cm_cancel(dw__cm *cm, uint64_t id) {
  for (run *r = cm->runs; r; r = r->next) {
    if (r->id != id) continue;
    if (r->invoked && cm->runner.abandon) cm->runner.abandon(cm->runner.self, r->sup_id);
    run_end(r);
    return;
  }
}
