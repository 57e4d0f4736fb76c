/* `dynworker run FILE [MODULE...]`: one worker in a fresh, contained sandbox. */
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "executor/executor.h"

#define MAX_FILE_BYTES ((size_t)64 << 20)
#define MAX_HEADERS 256
#define MAX_BINDINGS 64
#define MAX_ALLOW_HOSTS 256
#define MAX_HEADER_RULES 64
#define MAX_HEADER_RULE_BYTES 8192

static const char run_usage[] =
    "usage: dynworker run FILE [MODULE...] [options]\n"
    "\n"
    "Runs FILE (an ES module; .ts/.cjs/.mjs too) in a fresh sandbox. MODULE files can be\n"
    "imported from it by relative path (./util.js).\n"
    "\n"
    "  --url URL            request URL for a fetch handler (default http://localhost/)\n"
    "  --method M           request method (default GET)\n"
    "  --header 'K: V'      request header (repeatable)\n"
    "  --data BODY          request body\n"
    "  --env KEY=VALUE      env.KEY; VALUE is JSON when it parses, else a string (repeatable)\n"
    "  --cpu-ms N           CPU time limit (default 1000)\n"
    "  --wall-ms N          wall-clock limit (default 10000)\n"
    "  --memory-mb N        memory limit (default 128)\n"
    "  --allow-eval         allow eval and new Function (default: EvalError)\n"
    "  --loader NAME        env.NAME is a Worker Loader: NAME.get(id, cb), NAME.load(code)\n"
    "                       (repeatable; docs/LOADER.md)\n"
    "  --service NAME=FILE  env.NAME is a stub of the worker in FILE (fetch and RPC; repeatable)\n"
    "  --loader-max-workers N  warm dynamic workers kept (least recently used go; default 1000)\n"
    "  --loader-max-mb N    their estimated memory (default 256)\n"
    "  --outbound allow=HOST[,HOST...]\n"
    "                       fetch() may reach these hosts over HTTP(S) ('*.example.com': its\n"
    "                       subdomains; repeatable). Default: no network (docs/EGRESS.md)\n"
    "  --outbound-allow-private\n"
    "                       also loopback, private, link-local and metadata addresses\n"
    "  --outbound-header HOST:Name=Value\n"
    "                       add a header (a secret) to requests to HOST; the worker never\n"
    "                       sees it (repeatable)\n"
    "  --json               print one JSON object: ok, result, response, logs, error, cpuMs, wallMs\n"
    "\n"
    "Exit status: 0 success, 1 the worker failed, 2 bad usage or input, 3 a limit was exceeded.\n";

typedef struct {
  const char *url, *method, *data;
  const char *headers[MAX_HEADERS + 1];
  size_t nheaders;
  bool has_request;
  json_t *env;
  dw_limits limits;
  bool allow_eval, json;
  const char *loaders[MAX_BINDINGS];
  size_t nloaders;
  dw__loader_service services[MAX_BINDINGS];
  size_t nservices;
  uint32_t max_workers, max_mb;
  const char *allow[MAX_ALLOW_HOSTS];
  size_t nallow;
  char *allow_buf[MAX_ALLOW_HOSTS]; /* the copies --outbound's lists were split into */
  size_t nallow_buf;
  dw__net_header_rule inject[MAX_HEADER_RULES];
  size_t ninject;
  bool allow_private, egress;
} run_opts;

static int load_code(int nfiles, char **files, dw_code *code);

/* A binding name must be an identifier-like env key. */
static bool valid_binding(const char *flag, const char *name, size_t n) {
  bool ok = n > 0 && n <= 128;
  for (size_t i = 0; ok && i < n; i++)
    ok = (name[i] >= 'A' && name[i] <= 'Z') || (name[i] >= 'a' && name[i] <= 'z') ||
         name[i] == '_' || name[i] == '$' || (i && name[i] >= '0' && name[i] <= '9');
  if (!ok)
    fprintf(stderr, "dynworker run: %s needs a binding name (letters, digits, _ and $), not '%.*s'\n",
            flag, (int)DW_MIN(n, (size_t)200), name);
  return ok;
}

static int add_service(run_opts *o, const char *spec) {
  const char *eq = strchr(spec, '=');
  if (!eq || !eq[1]) {
    fprintf(stderr, "dynworker run: --service needs NAME=FILE, not '%s'\n", spec);
    return -1;
  }
  if (!valid_binding("--service", spec, (size_t)(eq - spec))) return -1;
  if (o->nservices == MAX_BINDINGS) {
    fprintf(stderr, "dynworker run: at most %d services\n", MAX_BINDINGS);
    return -1;
  }
  char *name = dw__strndup(spec, (size_t)(eq - spec));
  dw_code *code = dw_code_new();
  char *files[1] = {(char *)(eq + 1)};
  if (!name || !code || load_code(1, files, code)) {
    free(name);
    dw_code_free(code);
    return -1;
  }
  o->services[o->nservices++] = (dw__loader_service){.name = name, .code = code};
  return 0;
}

/* A host pattern of --outbound or --outbound-header: a name, "*.name", "*", an IPv4 or a
 * bracketed IPv6 literal. The net layer parses it again; this catches typos early. */
static bool valid_host_pattern(const char *flag, const char *h, size_t n) {
  bool ok = n > 0 && n <= DW__NET_MAX_HOST + 2;
  const char *p = h;
  size_t m = n;
  if (ok && m >= 2 && p[0] == '*' && p[1] == '.') p += 2, m -= 2;
  else if (ok && m == 1 && p[0] == '*') m = 0;
  for (size_t i = 0; ok && i < m; i++)
    ok = (p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
         (p[i] >= '0' && p[i] <= '9') || strchr("-._:[]", p[i]);
  if (ok && h[0] == '*' && n != 1 && (m == 0 || p[0] == '.')) ok = false;
  if (!ok)
    fprintf(stderr, "dynworker run: %s: '%.*s' is not a host (example.com, *.example.com, *, "
            "an IP address)\n", flag, (int)DW_MIN(n, (size_t)200), h);
  return ok;
}

/* --outbound allow=HOST[,HOST...] */
static int add_outbound(run_opts *o, const char *spec) {
  if (strncmp(spec, "allow=", 6) != 0 || !spec[6]) {
    fprintf(stderr, "dynworker run: --outbound needs allow=HOST[,HOST...], not '%s'\n", spec);
    return -1;
  }
  char *list = dw__strdup(spec + 6);
  if (!list || o->nallow_buf == MAX_ALLOW_HOSTS) {
    free(list);
    fprintf(stderr, "dynworker run: at most %d allowed hosts\n", MAX_ALLOW_HOSTS);
    return -1;
  }
  o->allow_buf[o->nallow_buf++] = list;
  for (char *h = list, *next; h; h = next) {
    next = strchr(h, ',');
    if (next) *next++ = 0;
    if (!valid_host_pattern("--outbound", h, strlen(h))) return -1;
    if (o->nallow == MAX_ALLOW_HOSTS) {
      fprintf(stderr, "dynworker run: at most %d allowed hosts\n", MAX_ALLOW_HOSTS);
      return -1;
    }
    o->allow[o->nallow++] = h;
  }
  o->egress = true;
  return 0;
}

/* --outbound-header HOST:Name=Value ("[v6]:Name=Value" for an IPv6 literal). The strings
 * point into argv. */
static int add_header_rule(run_opts *o, char *spec) {
  const char *usage = "dynworker run: --outbound-header needs HOST:Name=Value";
  char *colon = spec[0] == '[' ? strstr(spec, "]:") : strchr(spec, ':');
  if (colon && spec[0] == '[') colon++;
  char *eq = colon ? strchr(colon + 1, '=') : NULL;
  if (!colon || !eq || eq == colon + 1) {
    fprintf(stderr, "%s, not '%.200s'\n", usage, spec);
    return -1;
  }
  if (strlen(spec) > MAX_HEADER_RULE_BYTES) {
    fprintf(stderr, "dynworker run: --outbound-header: longer than %d bytes\n",
            MAX_HEADER_RULE_BYTES);
    return -1;
  }
  if (!valid_host_pattern("--outbound-header", spec, (size_t)(colon - spec))) return -1;
  *colon = 0;
  *eq = 0;
  char line[MAX_HEADER_RULE_BYTES + 4], why[256];
  snprintf(line, sizeof line, "%s: %s", colon + 1, eq + 1);
  if (dw__net_check_header(line, why, sizeof why)) {
    fprintf(stderr, "dynworker run: --outbound-header %s: %s\n", spec, why);
    return -1;
  }
  if (o->ninject == MAX_HEADER_RULES) {
    fprintf(stderr, "dynworker run: at most %d --outbound-header rules\n", MAX_HEADER_RULES);
    return -1;
  }
  o->inject[o->ninject++] = (dw__net_header_rule){.host = spec, .name = colon + 1, .value = eq + 1};
  o->egress = true;
  return 0;
}

static int parse_u32(const char *flag, const char *s, uint32_t max, uint32_t *out) {
  char *end = NULL;
  unsigned long v = strtoul(s, &end, 10);
  if (!*s || *end || v == 0 || v > max || s[0] == '-') {
    fprintf(stderr, "dynworker run: %s needs a whole number from 1 to %u, not '%s'\n", flag,
            max, s);
    return -1;
  }
  *out = (uint32_t)v;
  return 0;
}

static int add_env(run_opts *o, const char *kv) {
  const char *eq = strchr(kv, '=');
  if (!eq || eq == kv) {
    fprintf(stderr, "dynworker run: --env needs KEY=VALUE, not '%s'\n", kv);
    return -1;
  }
  char *key = dw__strndup(kv, (size_t)(eq - kv));
  json_t *v = json_loads(eq + 1, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
  if (!v) v = json_string(eq + 1);
  if (!v) {
    fprintf(stderr, "dynworker run: --env %s: the value is not valid UTF-8\n", key);
    free(key);
    return -1;
  }
  json_object_set_new(o->env, key, v);
  free(key);
  return 0;
}

/* The module name of `path`: its path relative to the main file's folder, or its base name
 * when it lies outside that folder. */
static char *module_name(const char *main_dir, const char *path) {
  char real[PATH_MAX];
  if (!realpath(path, real)) return NULL;
  size_t n = strlen(main_dir);
  if (strncmp(real, main_dir, n) == 0 && real[n] == '/') return dw__strdup(real + n + 1);
  const char *slash = strrchr(real, '/');
  return dw__strdup(slash ? slash + 1 : real);
}

static int load_code(int nfiles, char **files, dw_code *code) {
  char main_real[PATH_MAX];
  if (!realpath(files[0], main_real)) {
    fprintf(stderr, "dynworker run: cannot read %s: %s\n", files[0], strerror(errno));
    return -1;
  }
  char *slash = strrchr(main_real, '/');
  if (slash) *slash = 0;
  for (int i = 0; i < nfiles; i++) {
    char *data = NULL;
    size_t len = 0;
    int rc = dw__read_file(files[i], MAX_FILE_BYTES, &data, &len);
    if (rc) {
      fprintf(stderr, "dynworker run: cannot read %s: %s\n", files[i],
              rc == DW_E_TOO_LARGE ? "larger than 64 MiB" : strerror(errno));
      return -1;
    }
    char *name = module_name(main_real, files[i]);
    rc = name ? dw_code_add_module(code, name, data, len, DW_MODULE_AUTO) : DW_E_IO;
    if (rc)
      fprintf(stderr, "dynworker run: %s: %s\n", files[i],
              rc == DW_E_BAD_REQUEST
                  ? "unknown extension or duplicate module name (use .js .mjs .cjs .ts .mts "
                    ".json .txt .bin .wasm)"
                  : dw_strerror(rc));
    free(name);
    free(data);
    if (rc) return -1;
  }
  return 0;
}

static void print_log(void *user, const char *level, const char *msg, size_t len) {
  fprintf(stderr, "[%s] %.*s\n", level, (int)DW_MIN(len, (size_t)INT_MAX), msg);
}

static void print_error(const char *json) {
  json_t *r = json_loads(json, 0, NULL);
  json_t *e = json_object_get(r, "error");
  const char *code = json_string_value(json_object_get(e, "code"));
  const char *name = json_string_value(json_object_get(e, "name"));
  const char *msg = json_string_value(json_object_get(e, "message"));
  const char *stack = json_string_value(json_object_get(e, "stack"));
  fprintf(stderr, "error: %s: %s%s%s\n", code ? code : "?", name && *name ? name : "",
          name && *name ? ": " : "", msg ? msg : "");
  if (stack && *stack) fprintf(stderr, "%s\n", stack);
  json_decref(r);
}

static int exit_status(int err) {
  switch (err) {
  case 0: return 0;
  case DW_E_CPU_LIMIT:
  case DW_E_WALL_LIMIT:
  case DW_E_MEMORY_LIMIT: return 3;
  default: return 1;
  }
}

int dw__cli_run(int argc, char **argv) {
  static const struct option longopts[] = {
      {"url", required_argument, 0, 'u'},       {"method", required_argument, 0, 'm'},
      {"header", required_argument, 0, 'H'},    {"data", required_argument, 0, 'd'},
      {"env", required_argument, 0, 'e'},       {"cpu-ms", required_argument, 0, 'c'},
      {"wall-ms", required_argument, 0, 'w'},   {"memory-mb", required_argument, 0, 'M'},
      {"allow-eval", no_argument, 0, 'E'},      {"json", no_argument, 0, 'j'},
      {"loader", required_argument, 0, 'L'},    {"service", required_argument, 0, 'S'},
      {"loader-max-workers", required_argument, 0, 'W'},
      {"loader-max-mb", required_argument, 0, 'B'},
      {"outbound", required_argument, 0, 'O'},  {"outbound-allow-private", no_argument, 0, 'P'},
      {"outbound-header", required_argument, 0, 'I'},
      {"help", no_argument, 0, 'h'},            {0, 0, 0, 0}};
  run_opts o = {.env = json_object()};
  int status = 2;
  dw_code *code = NULL;
  dw__contained_result res = {0};
  int ch;
  optind = 1;
  while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
    switch (ch) {
    case 'u': o.url = optarg; o.has_request = true; break;
    case 'm': o.method = optarg; o.has_request = true; break;
    case 'd': o.data = optarg; o.has_request = true; break;
    case 'H':
      if (o.nheaders == MAX_HEADERS || !strchr(optarg, ':')) {
        fprintf(stderr, "dynworker run: --header needs 'Name: value' (at most %d)\n", MAX_HEADERS);
        goto out;
      }
      o.headers[o.nheaders++] = optarg;
      o.has_request = true;
      break;
    case 'e': if (add_env(&o, optarg)) goto out; break;
    case 'c': if (parse_u32("--cpu-ms", optarg, 3600000, &o.limits.cpu_ms)) goto out; break;
    case 'w': if (parse_u32("--wall-ms", optarg, 3600000, &o.limits.wall_ms)) goto out; break;
    case 'M': if (parse_u32("--memory-mb", optarg, 65536, &o.limits.memory_mb)) goto out; break;
    case 'E': o.allow_eval = true; break;
    case 'L':
      if (!valid_binding("--loader", optarg, strlen(optarg))) goto out;
      if (o.nloaders == MAX_BINDINGS) {
        fprintf(stderr, "dynworker run: at most %d loaders\n", MAX_BINDINGS);
        goto out;
      }
      o.loaders[o.nloaders++] = optarg;
      break;
    case 'S': if (add_service(&o, optarg)) goto out; break;
    case 'W': if (parse_u32("--loader-max-workers", optarg, 1000000, &o.max_workers)) goto out; break;
    case 'B': if (parse_u32("--loader-max-mb", optarg, 1048576, &o.max_mb)) goto out; break;
    case 'O': if (add_outbound(&o, optarg)) goto out; break;
    case 'P': o.allow_private = o.egress = true; break;
    case 'I': if (add_header_rule(&o, optarg)) goto out; break;
    case 'j': o.json = true; break;
    case 'h': fputs(run_usage, stdout); status = 0; goto out;
    default: fputs(run_usage, stderr); goto out;
    }
  }
  if (optind >= argc) {
    fputs(run_usage, stderr);
    goto out;
  }
  code = dw_code_new();
  if (!code || load_code(argc - optind, argv + optind, code)) goto out;

  char *env = json_dumps(o.env, JSON_COMPACT);
  dw_request req = {.method = o.method, .url = o.url, .headers = o.headers,
                    .body = o.data, .body_len = o.data ? strlen(o.data) : 0};
  dw_invocation inv = {.request = o.has_request ? &req : NULL};
  dw__contained_job job = {
      .opts = {.limits = o.limits, .allow_eval = o.allow_eval, .env_json = env},
      .code = code,
      .inv = &inv,
      .on_log = print_log,
  };
  dw__loader_config lcfg = {.loaders = o.loaders, .nloaders = o.nloaders,
                            .services = o.services, .nservices = o.nservices,
                            .max_instances = o.max_workers,
                            .max_bytes = (size_t)o.max_mb << 20};
  /* Egress: the root's fetch() goes through the loader's network policy. */
  dw__net_policy policy = {.allow_hosts = o.allow, .n_allow = o.nallow,
                           .allow_private = o.allow_private, .inject = o.inject,
                           .n_inject = o.ninject};
  if (o.egress) lcfg.outbound = &policy;
  if (o.nloaders || o.nservices || o.egress) job.loader = &lcfg;
  fflush(NULL);
  int rc = dw__contained_run(&job, &res);
  free(env);
  if (!res.json) {
    fprintf(stderr, "dynworker run: could not start the sandbox process: %s\n", dw_strerror(rc));
    status = 1;
    goto out;
  }
  if (o.json) {
    fputs(res.json, stdout);
    fputc('\n', stdout);
  } else if (res.err) {
    print_error(res.json);
  } else if (res.has_body) {
    fwrite(res.body, 1, res.body_len, stdout);
  } else if (res.value_json) {
    fputs(res.value_json, stdout);
    fputc('\n', stdout);
  }
  status = exit_status(res.err);
out:
  fflush(stdout);
  dw__contained_result_free(&res);
  dw_code_free(code);
  for (size_t i = 0; i < o.nservices; i++) {
    free((char *)o.services[i].name);
    dw_code_free((dw_code *)o.services[i].code);
  }
  for (size_t i = 0; i < o.nallow_buf; i++) free(o.allow_buf[i]);
  json_decref(o.env);
  return status;
}
