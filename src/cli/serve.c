/* `dynworker serve`: the daemon. One libevent loop holds the HTTP API (src/http), the
 * supervisor and its executors (`dynworker __executor` processes) and the store. */
#include <event2/event.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "cli.h"
#include "http/http.h"

#define MAX_CONFIG_BYTES ((size_t)1 << 20)
#define MAX_MCP_CONFIG_BYTES ((size_t)4 << 20)
#define MAX_TOKEN_BYTES 4096
#define MAX_TOKENS 1024

static const char serve_usage[] =
    "usage: dynworker serve [options]\n"
    "\n"
    "Runs the daemon: the HTTP API (docs/openapi.yaml) over sandboxes in contained executor\n"
    "processes, with registered workers kept in DIR/workers.db. SIGTERM or SIGINT drains it:\n"
    "no new requests, those in flight finish within the grace period, exit 0.\n"
    "\n"
    "  --listen HOST:PORT   where to listen (default 127.0.0.1:8787; [::1]:8787 for IPv6)\n"
    "  --executors N        executor processes per tenant (default: the number of CPUs)\n"
    "  --data-dir DIR       where registered workers are stored (default ./dynworker-data)\n"
    "  --token-file FILE    every /v1 and /mcp request needs 'Authorization: Bearer <the first line>'\n"
    "  --config FILE        JSON: limits, caps, queues, grace, tokens -> tenants, ...\n"
    "                       (every key: docs/OPERATIONS.md)\n"
    "  --mcp-config FILE    also serve Code Mode at /mcp (MCP over Streamable HTTP) over the\n"
    "                       MCP servers of FILE, as `dynworker mcp --config FILE` does over\n"
    "                       stdio (docs/CODE-MODE.md); the token check covers /mcp too\n"
    "\n"
    "Exit status: 0 after a drain, 1 when the daemon cannot start, 2 bad usage or config.\n";

typedef struct {
  dw__http_config http;
  uint32_t drain_grace_ms;
  dw__http_token tokens[MAX_TOKENS];
  size_t ntokens;
  char *token_file_token;
  json_t *config;
  json_t *mcp_config;
} serve_opts;

typedef struct {
  struct event_base *base;
  dw__http *h;
  serve_opts *o;
  bool draining;
  int status;
} serve_state;

/* HOST:PORT or [V6]:PORT. */
static int parse_listen(const char *s, char *host, size_t host_len, uint16_t *port) {
  const char *colon = strrchr(s, ':');
  if (!colon || colon == s) return -1;
  const char *h = s;
  size_t hn = (size_t)(colon - s);
  if (h[0] == '[') {
    if (hn < 3 || h[hn - 1] != ']') return -1;
    h++, hn -= 2;
  }
  if (hn >= host_len) return -1;
  memcpy(host, h, hn);
  host[hn] = 0;
  char *end;
  long p = strtol(colon + 1, &end, 10);
  if (*end || p < 0 || p > 65535 || colon[1] == 0) return -1;
  *port = (uint16_t)p;
  return 0;
}

/* Reads the file an option names (at most `max` bytes, `cap` saying how much in words);
 * -1 with a message on stderr. */
static int read_option_file(const char *option, const char *path, size_t max, const char *cap,
                            char **text, size_t *len) {
  int rc = dw__read_file(path, max, text, len);
  if (rc)
    fprintf(stderr, "dynworker serve: %s %s: %s\n", option, path,
            rc == DW_E_TOO_LARGE ? cap : strerror(errno));
  return rc ? -1 : 0;
}

static int read_token_file(const char *path, serve_opts *o) {
  char *text = NULL;
  size_t len = 0;
  if (read_option_file("--token-file", path, MAX_TOKEN_BYTES, "over 4 KiB", &text, &len))
    return -1;
  char *p = text;
  while (*p == ' ' || *p == '\t') p++;
  size_t n = strcspn(p, "\r\n");
  while (n && (p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
  if (n == 0) {
    fprintf(stderr, "dynworker serve: --token-file %s: the first line is empty (no token)\n", path);
    free(text);
    return -1;
  }
  o->token_file_token = dw__strndup(p, n);
  free(text);
  o->tokens[o->ntokens++] = (dw__http_token){o->token_file_token, NULL};
  return 0;
}

/* A non-negative integer key of the config, at most `max`. */
static int get_uint(json_t *obj, const char *where, const char *key, uint64_t max, uint64_t *out) {
  json_t *v = json_object_get(obj, key);
  if (!v) return 0;
  if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) > max) {
    fprintf(stderr, "dynworker serve: config: %s%s: an integer from 0 to %llu\n", where, key,
            (unsigned long long)max);
    return -1;
  }
  *out = (uint64_t)json_integer_value(v);
  return 1;
}

static int check_keys(json_t *obj, const char *where, const char *const *keys) {
  const char *k;
  json_t *v;
  json_object_foreach(obj, k, v) {
    size_t i = 0;
    while (keys[i] && strcmp(keys[i], k)) i++;
    if (!keys[i]) {
      fprintf(stderr, "dynworker serve: config: unknown key %s%s (docs/OPERATIONS.md)\n", where, k);
      return -1;
    }
  }
  return 0;
}

/* A tenant name as the API accepts it in X-Dynworker-Tenant. */
static bool tenant_ok(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 64) return false;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
          (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
      return false;
  return true;
}

static int load_config(const char *path, serve_opts *o) {
  static const char *const top[] = {
      "maxBodyBytes", "maxHeaderBytes", "timeoutSeconds", "maxConcurrentRequests",
      "retryAfterSeconds", "limits", "maxInflightPerExecutor", "queueMax", "maxTenantGroups",
      "executorMemoryMb", "executorRssMb", "deadlineGraceMs", "quarantineMs", "maxWarmWorkers",
      "drainGraceMs", "tail", "tokens", "mcp", "requestSeconds", "maxConnections", NULL};
  static const char *const limits[] = {"cpuMs", "wallMs", "memoryMb", "subRequests", NULL};
  static const char *const tail[] = {"maxSubscribers", "maxBacklogBytes", "keepaliveMs", NULL};
  static const char *const mcp[] = {"maxSessions", "sessionIdleSeconds", "maxBodyBytes", NULL};
  json_error_t e;
  json_t *c = o->config = json_load_file(path, JSON_REJECT_DUPLICATES, &e);
  if (!c) {
    fprintf(stderr, "dynworker serve: --config %s: %s (line %d)\n", path, e.text, e.line);
    return -1;
  }
  if (!json_is_object(c) || check_keys(c, "", top)) {
    if (!json_is_object(c)) fprintf(stderr, "dynworker serve: config: must be a JSON object\n");
    return -1;
  }
  uint64_t v;
  int r;
#define U(obj, where, key, max, dst)                                  \
  if ((r = get_uint(obj, where, key, max, &v)) < 0) return -1;       \
  if (r) dst = v;
  U(c, "", "maxBodyBytes", (uint64_t)1 << 32, o->http.max_body_bytes);
  U(c, "", "maxHeaderBytes", (uint64_t)1 << 24, o->http.max_header_bytes);
  U(c, "", "timeoutSeconds", 86400, o->http.timeout_s);
  U(c, "", "maxConcurrentRequests", 1000000, o->http.max_concurrent);
  U(c, "", "requestSeconds", 86400, o->http.request_s);
  U(c, "", "maxConnections", 1000000, o->http.max_connections);
  U(c, "", "retryAfterSeconds", 3600, o->http.retry_after_s);
  U(c, "", "maxInflightPerExecutor", 100000, o->http.sup.max_inflight);
  U(c, "", "queueMax", 1000000, o->http.sup.queue_max);
  U(c, "", "maxTenantGroups", 10000, o->http.sup.max_groups);
  U(c, "", "executorMemoryMb", 1 << 20, o->http.sup.memory_mb);
  U(c, "", "executorRssMb", 1 << 20, o->http.sup.rss_mb);
  U(c, "", "deadlineGraceMs", 3600000, o->http.sup.grace_ms);
  U(c, "", "quarantineMs", 86400000, o->http.sup.quarantine_ms);
  U(c, "", "maxWarmWorkers", 10000000, o->http.sup.max_workers);
  U(c, "", "drainGraceMs", 3600000, o->drain_grace_ms);
  json_t *lim = json_object_get(c, "limits");
  if (lim) {
    if (!json_is_object(lim) || check_keys(lim, "limits.", limits)) {
      if (!json_is_object(lim)) fprintf(stderr, "dynworker serve: config: limits: an object\n");
      return -1;
    }
    /* The same rules as a WorkerCode's own limits (one place says what is allowed). */
    char why[256] = "";
    json_t *probe = json_pack("{s:s,s:{s:s},s:O}", "mainModule", "main.js", "modules", "main.js",
                              "export default 1", "limits", lim);
    int rc = probe ? dw__workercode_check(probe, why, sizeof why) : DW_E_NOMEM;
    json_decref(probe);
    if (rc) {
      fprintf(stderr, "dynworker serve: config: %s\n", why[0] ? why : dw_strerror(rc));
      return -1;
    }
    o->http.default_limits = lim;
  }
  json_t *t = json_object_get(c, "tail");
  if (t) {
    if (!json_is_object(t) || check_keys(t, "tail.", tail)) {
      if (!json_is_object(t)) fprintf(stderr, "dynworker serve: config: tail: an object\n");
      return -1;
    }
    U(t, "tail.", "maxSubscribers", 100000, o->http.tail_max_subscribers);
    U(t, "tail.", "maxBacklogBytes", (uint64_t)1 << 32, o->http.tail_max_backlog);
    U(t, "tail.", "keepaliveMs", 3600000, o->http.tail_keepalive_ms);
  }
  json_t *m = json_object_get(c, "mcp");
  if (m) {
    if (!json_is_object(m) || check_keys(m, "mcp.", mcp)) {
      if (!json_is_object(m)) fprintf(stderr, "dynworker serve: config: mcp: an object\n");
      return -1;
    }
    U(m, "mcp.", "maxSessions", 100000, o->http.mcp_max_sessions);
    U(m, "mcp.", "sessionIdleSeconds", 604800, o->http.mcp_idle_s);
    U(m, "mcp.", "maxBodyBytes", (uint64_t)1 << 30, o->http.mcp_max_body_bytes);
  }
#undef U
  json_t *toks = json_object_get(c, "tokens");
  if (toks) {
    const char *k;
    json_t *tv;
    if (!json_is_object(toks)) {
      fprintf(stderr, "dynworker serve: config: tokens: an object {\"<token>\": \"<tenant>\"}\n");
      return -1;
    }
    json_object_foreach(toks, k, tv) {
      const char *tenant = json_string_value(tv);
      if (!k[0] || !tenant || !tenant_ok(tenant)) {
        fprintf(stderr, "dynworker serve: config: tokens: each a non-empty token mapped to a "
                        "tenant name (1 to 64 of A-Z a-z 0-9 _ -)\n");
        return -1;
      }
      if (o->ntokens == MAX_TOKENS) {
        fprintf(stderr, "dynworker serve: config: tokens: at most %d\n", MAX_TOKENS);
        return -1;
      }
      o->tokens[o->ntokens++] = (dw__http_token){k, tenant};
    }
  }
  return 0;
}

static int load_mcp_config(const char *path, serve_opts *o) {
  char *text = NULL;
  size_t len = 0;
  if (read_option_file("--mcp-config", path, MAX_MCP_CONFIG_BYTES, "over 4 MiB", &text, &len))
    return -1;
  json_error_t e;
  o->mcp_config = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
  free(text);
  if (!o->mcp_config) {
    fprintf(stderr, "dynworker serve: --mcp-config %s: not valid JSON: line %d: %s\n", path,
            e.line, e.text);
    return -1;
  }
  o->http.mcp_config = o->mcp_config;
  return 0;
}

static void on_drained(void *arg) {
  serve_state *st = arg;
  fprintf(stderr, "dynworker: drained, exiting\n");
  event_base_loopexit(st->base, NULL);
}

static void on_signal(evutil_socket_t sig, short what, void *arg) {
  serve_state *st = arg;
  if (st->draining) { /* a second signal: stop now */
    fprintf(stderr, "dynworker: second signal, exiting without waiting\n");
    st->status = 1;
    event_base_loopbreak(st->base);
    return;
  }
  st->draining = true;
  fprintf(stderr, "dynworker: %s: draining (grace %u ms)\n", sig == SIGTERM ? "SIGTERM" : "SIGINT",
          st->o->drain_grace_ms);
  dw__http_drain(st->h, st->o->drain_grace_ms, on_drained, st);
}

int dw__cli_serve(int argc, char **argv) {
  static const struct option longopts[] = {
      {"listen", required_argument, 0, 'l'},     {"executors", required_argument, 0, 'e'},
      {"data-dir", required_argument, 0, 'd'},   {"token-file", required_argument, 0, 't'},
      {"config", required_argument, 0, 'c'},     {"help", no_argument, 0, 'h'},
      {"mcp-config", required_argument, 0, 'm'}, {0, 0, 0, 0}};
  serve_opts *o = calloc(1, sizeof *o);
  serve_state st = {.o = o, .status = 1};
  const char *listen = "127.0.0.1:8787", *data_dir = "./dynworker-data", *token_file = NULL,
             *config = NULL, *mcp_config = NULL;
  char host[256], exe[PATH_MAX], why[512] = "";
  uint16_t port = 0;
  long executors = 0;
  struct event *sigterm = NULL, *sigint = NULL;
  dw__store *store = NULL;
  int ch, status = 2;
  if (!o) return 1;
  o->drain_grace_ms = 10000;
  optind = 1;
  while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
    switch (ch) {
    case 'l': listen = optarg; break;
    case 'e': {
      char *end;
      executors = strtol(optarg, &end, 10);
      if (*end || executors < 1 || executors > 1024) {
        fprintf(stderr, "dynworker serve: --executors: a number from 1 to 1024\n");
        goto out;
      }
      break;
    }
    case 'd': data_dir = optarg; break;
    case 't': token_file = optarg; break;
    case 'c': config = optarg; break;
    case 'm': mcp_config = optarg; break;
    case 'h': fputs(serve_usage, stdout); status = 0; goto out;
    default: fputs(serve_usage, stderr); goto out;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "dynworker serve: unexpected argument '%s'\n\n%s", argv[optind], serve_usage);
    goto out;
  }
  if (parse_listen(listen, host, sizeof host, &port)) {
    fprintf(stderr, "dynworker serve: --listen needs HOST:PORT, not '%s'\n", listen);
    goto out;
  }
  if (config && load_config(config, o)) goto out;
  if (token_file && read_token_file(token_file, o)) goto out;
  if (mcp_config && load_mcp_config(mcp_config, o)) goto out;
  status = 1;
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) {
    fprintf(stderr, "dynworker serve: cannot find its own executable (/proc/self/exe): %s\n",
            strerror(errno));
    goto out;
  }
  exe[n] = 0;
  signal(SIGPIPE, SIG_IGN);
  /* Each HTTP connection is a descriptor: take the hard limit, so maxConnections (not a
   * default soft limit of 1024) is what bounds them. */
  struct rlimit nofile;
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
    nofile.rlim_cur = nofile.rlim_max;
    setrlimit(RLIMIT_NOFILE, &nofile);
  }
  if (!(st.base = event_base_new())) goto out;
  if (dw__store_open(data_dir, &store, why, sizeof why)) {
    fprintf(stderr, "dynworker serve: --data-dir %s: %s\n", data_dir, why);
    goto out;
  }
  o->http.base = st.base;
  o->http.store = store;
  o->http.tokens = o->tokens;
  o->http.ntokens = o->ntokens;
  o->http.sup.exe = exe;
  o->http.sup.executors = (unsigned)executors;
  int rc = dw__http_new(&o->http, &st.h, why, sizeof why);
  if (rc) {
    if (rc == DW_E_BAD_REQUEST && mcp_config) {
      fprintf(stderr, "dynworker serve: --mcp-config %s: %s\n", mcp_config, why);
      status = 2;
    } else {
      fprintf(stderr, "dynworker serve: cannot start: %s\n", why);
    }
    goto out;
  }
  uint16_t bound = 0;
  if (dw__http_listen(st.h, host, port, &bound, why, sizeof why)) {
    fprintf(stderr, "dynworker serve: %s\n", why);
    goto out;
  }
  sigterm = evsignal_new(st.base, SIGTERM, on_signal, &st);
  sigint = evsignal_new(st.base, SIGINT, on_signal, &st);
  if (!sigterm || !sigint || evsignal_add(sigterm, NULL) || evsignal_add(sigint, NULL)) goto out;
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  fprintf(stderr, "dynworker: listening on http://%s%s%s:%u (executors %ld, data %s%s)\n",
          strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", (unsigned)bound,
          executors ? executors : (ncpu > 0 ? ncpu : 1), data_dir,
          mcp_config ? ", Code Mode at /mcp" : "");
  st.status = 0;
  event_base_dispatch(st.base);
  status = st.status;
out:
  if (sigterm) event_free(sigterm);
  if (sigint) event_free(sigint);
  dw__http_free(st.h);
  dw__store_close(store);
  if (st.base) event_base_free(st.base);
  json_decref(o->config);
  json_decref(o->mcp_config);
  free(o->token_file_token);
  free(o);
  return status;
}
