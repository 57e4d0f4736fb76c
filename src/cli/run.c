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
  if (o.nloaders || o.nservices) job.loader = &lcfg;
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
  json_decref(o.env);
  return status;
}
