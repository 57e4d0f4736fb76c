/* `dynworker mcp --config FILE`: Code Mode as an MCP server over stdio (docs/CODE-MODE.md).
 * One process, one libevent loop: the MCP server on stdin/stdout, the upstream servers, and a
 * supervisor whose executors run the model's code. stdout carries only the protocol;
 * diagnostics go to stderr. */
#include <event2/event.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "mcp/codemode.h"
#include "mcp/server.h"
#include "mcp_inproc.h"
#include "supervisor/supervisor.h"

#define MAX_CONFIG_BYTES ((size_t)4 << 20)

static const char mcp_usage[] =
    "usage: dynworker mcp --config FILE [--in-process]\n"
    "\n"
    "Code Mode: an MCP server on stdin/stdout with one tool, `code`, that runs TypeScript or\n"
    "JavaScript in a sandbox whose only capabilities are the tools of the MCP servers of FILE,\n"
    "given to the code as a typed API (see `dynworker types`). FILE is the MCP clients' config\n"
    "({\"mcpServers\": {...}}) plus an optional \"codeMode\" object (limits, approval, token\n"
    "budget): docs/CODE-MODE.md.\n"
    "\n"
    "  --config FILE   the servers and settings (required)\n"
    "  --in-process    run the code in this process (a thread with a Worker Loader) instead of\n"
    "                  contained executor processes: for development only, no process isolation\n"
    "\n"
    "Exit status: 0 when the client closes stdin, 2 bad usage or config, 1 start-up failure.\n";

typedef struct {
  struct event_base *base;
  dw__cm *cm;
  dw__sup *sup;
} ctx;

static void on_close(void *user) { event_base_loopbreak(((ctx *)user)->base); }

static void on_signal(evutil_socket_t sig, short what, void *arg) { event_base_loopbreak(arg); }

static int sup_invoke(void *self, const dw__sup_invocation *inv, dw__sup_done done, void *user,
                      uint64_t *id) {
  return dw__sup_invoke(((ctx *)self)->sup, inv, done, user, id);
}
static void sup_abandon(void *self, uint64_t id) { dw__sup_abandon(((ctx *)self)->sup, id); }
static void sup_host_call(void *user, void *inv_user, const json_t *desc, const char *method,
                          const json_t *args, dw__sup_call *call) {
  ctx *c = user;
  if (!c->cm) {
    dw__sup_reply(call, NULL, "Code Mode is not ready");
    return;
  }
  dw__cm_host_call(c->cm, inv_user, desc, method, args, call);
}

int dw__cli_mcp(int argc, char **argv) {
  static const struct option longopts[] = {{"config", required_argument, 0, 'c'},
                                           {"in-process", no_argument, 0, 'I'},
                                           {"help", no_argument, 0, 'h'},
                                           {0, 0, 0, 0}};
  const char *file = NULL;
  bool inproc = false;
  int ch, status = 2;
  char *text = NULL;
  json_t *cfg = NULL;
  ctx c = {0};
  struct inproc *ip = NULL;
  dw__mcp_server *server = NULL;
  struct event *sigint = NULL, *sigterm = NULL;
  optind = 1;
  while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
    switch (ch) {
    case 'c': file = optarg; break;
    case 'I': inproc = true; break;
    case 'h': fputs(mcp_usage, stdout); return 0;
    default: fputs(mcp_usage, stderr); return 2;
    }
  }
  if (!file || optind < argc) {
    fprintf(stderr, "dynworker mcp: %s\n\n%s", file ? "unexpected argument" : "--config FILE is required", mcp_usage);
    return 2;
  }
  size_t len;
  int err = dw__read_file(file, MAX_CONFIG_BYTES, &text, &len);
  if (err) {
    fprintf(stderr, "dynworker mcp: cannot read %s: %s\n", file, err == DW_E_IO ? strerror(errno) : dw_strerror(err));
    goto out;
  }
  json_error_t je;
  cfg = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
  if (!cfg) {
    fprintf(stderr, "dynworker mcp: %s is not valid JSON: line %d: %s\n", file, je.line, je.text);
    goto out;
  }
  dw__cm_config mc;
  char why[1024] = "";
  if ((err = dw__cm_config_parse(json_object_get(cfg, "codeMode"), &mc, why, sizeof why))) {
    fprintf(stderr, "dynworker mcp: %s: %s\n", file, why);
    goto out;
  }
  /* An upstream or the client that exits early must be an error, not a SIGPIPE. */
  signal(SIGPIPE, SIG_IGN);
  status = 1;
  c.base = event_base_new();
  if (!c.base) { fprintf(stderr, "dynworker mcp: cannot create the event loop\n"); dw__cm_config_free(&mc); goto out; }
  dw__cm_runner runner = {0};
  if (inproc) {
    if ((err = dw__inproc_new(c.base, &c.cm, mc.memory_mb, &ip, &runner))) {
      fprintf(stderr, "dynworker mcp: cannot start the in-process runner: %s\n", dw_strerror(err));
      dw__cm_config_free(&mc);
      goto out;
    }
  } else {
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
      fprintf(stderr, "dynworker mcp: cannot find this executable (/proc/self/exe)\n");
      dw__cm_config_free(&mc);
      goto out;
    }
    exe[n] = '\0';
    dw__sup_config sc = {.base = c.base, .exe = exe, .executors = mc.executors,
                         .memory_mb = mc.memory_mb, .host_call = sup_host_call, .host_user = &c};
    if ((err = dw__sup_new(&sc, &c.sup, why, sizeof why))) {
      fprintf(stderr, "dynworker mcp: cannot start the executors: %s\n", *why ? why : dw_strerror(err));
      dw__cm_config_free(&mc);
      goto out;
    }
    runner = (dw__cm_runner){.invoke = sup_invoke, .abandon = sup_abandon, .reply = dw__sup_reply, .self = &c};
  }
  dw__cm_config_free(&mc);
  if ((err = dw__cm_new(c.base, cfg, &runner, &c.cm, why, sizeof why))) {
    fprintf(stderr, "dynworker mcp: %s: %s\n", file, *why ? why : dw_strerror(err));
    status = err == DW_E_BAD_REQUEST ? 2 : 1;
    goto out;
  }
  if ((err = dw__mcp_server_new(c.base, c.cm, 0, 1, on_close, &c, &server))) {
    fprintf(stderr, "dynworker mcp: cannot start the server: %s\n", dw_strerror(err));
    goto out;
  }
  sigint = evsignal_new(c.base, SIGINT, on_signal, c.base);
  sigterm = evsignal_new(c.base, SIGTERM, on_signal, c.base);
  if (sigint) evsignal_add(sigint, NULL);
  if (sigterm) evsignal_add(sigterm, NULL);
  event_base_dispatch(c.base);
  status = 0;
out:
  dw__mcp_server_free(server);
  dw__cm_free(c.cm);
  if (c.sup) dw__sup_free(c.sup);
  dw__inproc_free(ip);
  if (sigint) event_free(sigint);
  if (sigterm) event_free(sigterm);
  if (c.base && !ip) event_base_free(c.base); /* the in-process runner's thread may outlive us */
  json_decref(cfg);
  free(text);
  return status;
}
