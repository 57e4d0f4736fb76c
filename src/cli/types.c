/* `dynworker types --config FILE`: the TypeScript API Code Mode would give a model for the MCP
 * servers of FILE (the MCP clients' `mcpServers` format). */
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <string.h>
#include "cli.h"
#include "mcp/client.h"
#include "mcp/tsgen.h"
#include "mcp/upstream.h"
#include <event2/event.h>

#define MAX_CONFIG_BYTES ((size_t)4 << 20)
#define MAX_API_BYTES ((size_t)64 << 20)

static const char types_usage[] =
    "usage: dynworker types --config FILE [--compact] [--names-only]\n"
    "\n"
    "Starts each MCP server of FILE, lists its tools and prints the TypeScript API Code Mode\n"
    "gives a model for them (one `declare namespace` per server). FILE is the MCP clients'\n"
    "config: {\"mcpServers\": {\"NAME\": {\"command\": \"...\", \"args\": [...], \"env\": {...}}}}.\n"
    "Servers with a \"url\" (and optional \"headers\") are reached over Streamable HTTP.\n"
    "\n"
    "  --config FILE   the servers (required)\n"
    "  --compact       no doc comments, one line per declaration\n"
    "  --names-only    namespaces and function names only (the over-budget form)\n"
    "\n"
    "Environment: DW_MCP_TIMEOUT_MS, the deadline of each answer from a server (default 10000).\n"
    "Exit status: 0 success, 1 a server failed (the others are still printed), 2 bad usage\n"
    "or config.\n";

typedef struct {
  const char *name;
  dw__mcp_stdio spec;
  const char **args;
  json_t *http; /* a {"url"} entry (borrowed) */
} server_cfg;

/* Checks one mcpServers entry; fills `s` (borrowing from `v`). Returns 0 or prints and -1. */
static int parse_server(const char *file, const char *name, json_t *v, server_cfg *s) {
  s->name = name;
  if (!json_is_object(v)) {
    fprintf(stderr, "dynworker types: %s: server '%s' must be an object\n", file, name);
    return -1;
  }
  if (json_object_get(v, "url") && !json_object_get(v, "command")) {
    s->http = v; /* listed through mcp/upstream (Streamable HTTP) */
    return 0;
  }
  json_t *cmd = json_object_get(v, "command"), *args = json_object_get(v, "args"),
         *env = json_object_get(v, "env");
  if (!json_is_string(cmd) || !*json_string_value(cmd)) {
    fprintf(stderr, "dynworker types: %s: server '%s' needs a \"command\" string\n", file, name);
    return -1;
  }
  if (args && !json_is_array(args)) {
    fprintf(stderr, "dynworker types: %s: server '%s': \"args\" must be an array of strings\n",
            file, name);
    return -1;
  }
  if (env && !json_is_object(env)) {
    fprintf(stderr, "dynworker types: %s: server '%s': \"env\" must be an object of strings\n",
            file, name);
    return -1;
  }
  const char *k;
  json_t *ev;
  json_object_foreach(env, k, ev) {
    if (!json_is_string(ev) || !*k || strchr(k, '=')) {
      fprintf(stderr, "dynworker types: %s: server '%s': env '%s' must be a string (and its "
                      "name without '=')\n", file, name, k);
      return -1;
    }
  }
  size_t n = json_array_size(args);
  if (n > DW__MCP_MAX_ARGS) {
    fprintf(stderr, "dynworker types: %s: server '%s': more than %d args\n", file, name,
            DW__MCP_MAX_ARGS);
    return -1;
  }
  s->args = calloc(n + 1, sizeof *s->args);
  if (!s->args) { fprintf(stderr, "dynworker types: out of memory\n"); return -1; }
  for (size_t i = 0; i < n; i++) {
    s->args[i] = json_string_value(json_array_get(args, i));
    if (!s->args[i]) {
      fprintf(stderr, "dynworker types: %s: server '%s': \"args\" must be an array of strings\n",
              file, name);
      return -1;
    }
  }
  s->spec.command = json_string_value(cmd);
  s->spec.args = s->args;
  s->spec.n_args = n;
  s->spec.env = env;
  return 0;
}

/* Lists the tools of a Streamable HTTP server (blocks up to about 3 x the timeout). The
 * tools are deep-copied into `out`. */
static int list_http(const char *name, const json_t *entry, int timeout_ms, dw__mcp_tools *out,
                     char *why, size_t why_len) {
  memset(out, 0, sizeof *out);
  struct event_base *base = event_base_new();
  dw__up *u = NULL;
  int err = base ? dw__up_new(base, name, entry, timeout_ms, &u, why, why_len) : DW_E_NOMEM;
  if (!err) err = dw__up_connect(u, why, why_len);
  if (!err) {
    const dw__mcp_tools *t = dw__up_tools(u);
    out->tools = calloc(t->n_tools + 1, sizeof *out->tools);
    if (!out->tools) err = DW_E_NOMEM;
    for (size_t i = 0; !err && i < t->n_tools; i++) {
      dw__mcp_tool *d = &out->tools[out->n_tools++];
      d->name = dw__strdup(t->tools[i].name);
      d->description = t->tools[i].description ? dw__strdup(t->tools[i].description) : NULL;
      d->input_schema = t->tools[i].input_schema ? json_incref(t->tools[i].input_schema) : NULL;
      d->output_schema = t->tools[i].output_schema ? json_incref(t->tools[i].output_schema) : NULL;
      if (!d->name) err = DW_E_NOMEM;
    }
  }
  dw__up_free(u);
  if (base) event_base_free(base);
  return err;
}

int dw__cli_types(int argc, char **argv) {
  static const struct option longopts[] = {
      {"config", required_argument, 0, 'c'}, {"compact", no_argument, 0, 'C'},
      {"names-only", no_argument, 0, 'N'},   {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  const char *file = NULL;
  dw__ts_opts topts = {0};
  int status = 2, ch, timeout_ms = 0;
  char *text = NULL;
  json_t *cfg = NULL;
  server_cfg *servers = NULL;
  dw__mcp_tools *lists = NULL;
  dw__ts_server *ts = NULL;
  size_t n = 0;
  dw_buf api;
  dw__buf_init(&api, MAX_API_BYTES);
  optind = 1;
  while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
    switch (ch) {
    case 'c': file = optarg; break;
    case 'C': topts.compact = true; break;
    case 'N': topts.names_only = true; break;
    case 'h': fputs(types_usage, stdout); status = 0; goto out;
    default: fputs(types_usage, stderr); goto out;
    }
  }
  if (!file || optind < argc) {
    fprintf(stderr, "dynworker types: %s\n\n%s",
            file ? "unexpected argument" : "--config FILE is required", types_usage);
    goto out;
  }
  const char *t = getenv("DW_MCP_TIMEOUT_MS");
  if (t && *t) {
    char *end;
    long v = strtol(t, &end, 10);
    if (*end || v <= 0 || v > 3600000) {
      fprintf(stderr, "dynworker types: DW_MCP_TIMEOUT_MS must be 1..3600000, not '%s'\n", t);
      goto out;
    }
    timeout_ms = (int)v;
  }
  size_t len;
  int err = dw__read_file(file, MAX_CONFIG_BYTES, &text, &len);
  if (err) {
    fprintf(stderr, "dynworker types: cannot read %s: %s\n", file,
            err == DW_E_IO ? strerror(errno) : dw_strerror(err));
    goto out;
  }
  json_error_t je;
  cfg = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
  if (!cfg) {
    fprintf(stderr, "dynworker types: %s is not valid JSON: line %d: %s\n", file, je.line,
            je.text);
    goto out;
  }
  json_t *ms = json_object_get(cfg, "mcpServers");
  if (!json_is_object(ms)) {
    fprintf(stderr, "dynworker types: %s needs an \"mcpServers\" object\n", file);
    goto out;
  }
  size_t total = json_object_size(ms);
  if (total > DW__TS_MAX_SERVERS) {
    fprintf(stderr, "dynworker types: %s: more than %d servers\n", file, DW__TS_MAX_SERVERS);
    goto out;
  }
  servers = calloc(total + 1, sizeof *servers);
  lists = calloc(total + 1, sizeof *lists);
  ts = calloc(total + 1, sizeof *ts);
  if (!servers || !lists || !ts) { fprintf(stderr, "dynworker types: out of memory\n"); goto out; }
  const char *name;
  json_t *v;
  json_object_foreach(ms, name, v) {
    if (parse_server(file, name, v, &servers[n++])) goto out;
    servers[n - 1].spec.timeout_ms = timeout_ms;
  }
  /* A server that exits early must be an error message, not a SIGPIPE that kills us. */
  signal(SIGPIPE, SIG_IGN);
  status = 0;
  size_t nts = 0;
  for (size_t i = 0; i < n; i++) {
    char why[512] = "";
    if (servers[i].http) {
      err = list_http(servers[i].name, servers[i].http, timeout_ms, &lists[i], why, sizeof why);
    } else {
      err = dw__mcp_list_tools(&servers[i].spec, &lists[i], why, sizeof why);
    }
    if (err) {
      fprintf(stderr, "dynworker types: server '%s': %s\n", servers[i].name,
              *why ? why : dw_strerror(err));
      status = 1;
      continue;
    }
    dw__ts_tool *tools = calloc(lists[i].n_tools + 1, sizeof *tools);
    if (!tools) { fprintf(stderr, "dynworker types: out of memory\n"); status = 1; goto out; }
    for (size_t j = 0; j < lists[i].n_tools; j++)
      tools[j] = (dw__ts_tool){lists[i].tools[j].name, lists[i].tools[j].description,
                               lists[i].tools[j].input_schema, lists[i].tools[j].output_schema};
    ts[nts++] = (dw__ts_server){servers[i].name, NULL, tools, lists[i].n_tools};
  }
  char why[512] = "";
  topts.why = why;
  topts.why_len = sizeof why;
  err = dw__ts_api(ts, nts, &topts, &api);
  if (err) {
    fprintf(stderr, "dynworker types: cannot generate the API: %s\n", *why ? why : dw_strerror(err));
    status = 1;
    goto out;
  }
  if (api.len) fwrite(api.data, 1, api.len, stdout);
  if (fflush(stdout)) status = 1;
out:
  if (ts)
    for (size_t i = 0; i < n; i++) free((void *)ts[i].tools);
  for (size_t i = 0; servers && i < n; i++) free(servers[i].args);
  for (size_t i = 0; lists && i < n; i++) dw__mcp_tools_free(&lists[i]);
  free(servers);
  free(lists);
  free(ts);
  json_decref(cfg);
  free(text);
  dw__buf_free(&api);
  return status;
}
