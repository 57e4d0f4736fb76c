/* workercode: the check of a WorkerCode as the HTTP API and Code Mode accept it (the
 * loader's rules, docs/LOADER.md; docs/internals/supervisor.md, "WorkerCode"). Every message
 * names the field it is about. */
#include <stdarg.h>
#include <string.h>
#include "sup_internal.h"

#define CODE_MAX ((size_t)64 << 20)   /* module sources, all together */
#define ENV_MAX ((size_t)1 << 20)     /* env, serialised */
#define MODULES_MAX 1024u
#define NAME_MAX_LEN 1024u
#define FLAGS_MAX 256u
#define ALLOW_MAX 1024u

typedef struct {
  const char *name;
  json_int_t max;
} limit_rule;

/* The maxima of `limits` (documented in docs/internals/supervisor.md). */
static const limit_rule LIMITS[] = {
    {"cpuMs", 60000}, {"wallMs", 300000}, {"memoryMb", 4096}, {"subRequests", 100000}};

static int fail(int err, char *why, size_t why_len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(int err, char *why, size_t why_len, const char *fmt, ...) {
  if (why && why_len) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, why_len, fmt, ap);
    va_end(ap);
  }
  return err;
}

/* A bad_request with a message naming the field (`why` and `why_len` in scope). */
#define BAD(...) fail(DW_E_BAD_REQUEST, why, why_len, __VA_ARGS__)

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && !strcmp(s + n - m, suffix);
}

static bool base64_ok(const char *s, size_t n) {
  size_t pad = 0;
  if (n % 4) return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c == '=') {
      pad++;
      if (pad > 2 || i < n - 2) return false;
    } else if (pad || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                        (c >= '0' && c <= '9') || c == '+' || c == '/')) {
      return false;
    }
  }
  return true;
}

static bool url_ok(const char *url, char *why, size_t why_len) {
  static const char *const any[] = {"*"};
  dw__net_policy p = {.allow_hosts = any, .n_allow = 1, .allow_private = true};
  return dw__net_check_url(&p, url, why, why_len) == 0;
}

/* {"Name": "value"} of header names and values the network layer would send. */
static int check_headers(const json_t *h, const char *field, char *why, size_t why_len) {
  if (!json_is_object(h)) return BAD("%s: must be an object", field);
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)h, k, v) {
    if (!json_is_string(v))
      return BAD("%s['%.100s']: must be a string", field, k);
    char line[4096], m[200];
    if ((size_t)snprintf(line, sizeof line, "%s: %s", k, json_string_value(v)) >= sizeof line ||
        dw__net_check_header(line, m, sizeof m))
      return BAD("%s['%.100s']: not a valid header", field, k);
  }
  return 0;
}

/* A $http / $worker / $loader descriptor. `loader_ok`: $loader is allowed here. */
static int check_desc(const json_t *d, const char *field, bool loader_ok, char *why,
                      size_t why_len) {
  char f[300];
  json_t *h = json_object_get(d, "$http");
  if (h) {
    if (json_object_size(d) != 1)
      return BAD("%s: a $http descriptor has no other field", field);
    if (!json_is_object(h))
      return BAD("%s.$http: must be an object", field);
    const char *k;
    json_t *v;
    json_object_foreach(h, k, v) {
      if (strcmp(k, "url") && strcmp(k, "headers"))
        return BAD("%s.$http.%.100s: unknown field", field, k);
    }
    const char *url = json_string_value(json_object_get(h, "url"));
    char m[200];
    if (!url) return BAD("%s.$http.url: must be a string", field);
    if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8))
      return BAD("%s.$http.url: must be an http(s) URL", field);
    if (!url_ok(url, m, sizeof m))
      return BAD("%s.$http.url: %s", field, m);
    json_t *hd = json_object_get(h, "headers");
    snprintf(f, sizeof f, "%s.$http.headers", field);
    return hd ? check_headers(hd, f, why, why_len) : 0;
  }
  json_t *w = json_object_get(d, "$worker");
  if (w) {
    if (!json_is_string(w) || !json_string_length(w) || json_string_length(w) > NAME_MAX_LEN)
      return BAD("%s.$worker: must be a worker id (a string)", field);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)d, k, v) {
      if (!strcmp(k, "$worker")) continue;
      if (!strcmp(k, "entrypoint")) {
        if (!json_is_string(v))
          return BAD("%s.entrypoint: must be a string", field);
      } else if (!strcmp(k, "props")) {
        if (!json_is_object(v))
          return BAD("%s.props: must be an object", field);
      } else {
        return BAD("%s.%.100s: unknown field of a $worker descriptor",
                    field, k);
      }
    }
    return 0;
  }
  json_t *l = json_object_get(d, "$loader");
  if (l) {
    if (!loader_ok)
      return BAD("%s: a $loader cannot be used here", field);
    if (json_object_size(d) != 1 || !json_is_object(l) || json_object_size(l))
      return BAD("%s: a $loader descriptor is {\"$loader\": {}}", field);
    return 0;
  }
  return BAD("%s: unknown descriptor", field);
}

/* Does an object look like a descriptor (a key that starts with '$')? */
static bool is_desc(const json_t *v) {
  if (!json_is_object(v)) return false;
  const char *k;
  json_t *x;
  json_object_foreach((json_t *)v, k, x) {
    if (k[0] == '$') return true;
  }
  return false;
}

static int check_module(const char *name, const json_t *m, size_t *total, char *why,
                        size_t why_len) {
  static const char *const types[] = {"js", "cjs", "text", "data", "json", "wasm", "ts"};
  static const char *const exts[] = {".js", ".mjs", ".cjs", ".ts", ".mts", ".json", ".txt",
                                     ".bin", ".wasm"};
  if (!name[0] || strlen(name) > NAME_MAX_LEN)
    return BAD("modules['%.100s']: invalid name", name);
  if (json_is_string(m)) {
    bool known = false;
    for (size_t i = 0; i < DW_ARRAY_LEN(exts); i++) known = known || ends_with(name, exts[i]);
    if (!known)
      return BAD("modules['%.100s']: unknown extension (.js .mjs .cjs .ts .mts .json .txt .bin "
                  ".wasm), or give the type: {\"js\": source}",
                  name);
    size_t n = json_string_length(m);
    if ((ends_with(name, ".bin") || ends_with(name, ".wasm")) &&
        !base64_ok(json_string_value(m), n))
      return BAD("modules['%.100s']: must be base64", name);
    *total += n;
    return 0;
  }
  if (!json_is_object(m) || json_object_size(m) != 1)
    return BAD("modules['%.100s']: must be a string or an object with exactly one of js, cjs, "
                "text, data, json, wasm, ts",
                name);
  const char *k = json_object_iter_key(json_object_iter((json_t *)m));
  json_t *v = json_object_iter_value(json_object_iter((json_t *)m));
  size_t t;
  for (t = 0; t < DW_ARRAY_LEN(types); t++)
    if (!strcmp(k, types[t])) break;
  if (t == DW_ARRAY_LEN(types))
    return BAD("modules['%.100s'].%.100s: unknown module type",
                name, k);
  if (!strcmp(k, "json")) {
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    *total += s ? strlen(s) : 0;
    free(s);
    return 0;
  }
  if (!json_is_string(v))
    return BAD("modules['%.100s'].%s: must be a string", name, k);
  if ((!strcmp(k, "data") || !strcmp(k, "wasm")) &&
      !base64_ok(json_string_value(v), json_string_length(v)))
    return BAD("modules['%.100s'].%s: must be base64", name, k);
  *total += json_string_length(v);
  return 0;
}

static bool date_ok(const char *s) {
  if (strlen(s) != 10 || s[4] != '-' || s[7] != '-') return false;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return false;
  int mo = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
  return mo >= 1 && mo <= 12 && d >= 1 && d <= 31;
}

static int check_outbound(const json_t *go, char *why, size_t why_len) {
  if (json_is_null(go)) return 0;
  if (!json_is_object(go))
    return BAD("globalOutbound: must be null, {\"allow\", \"inject\"}, or a $http or $worker "
                "descriptor");
  if (is_desc(go)) return check_desc(go, "globalOutbound", false, why, why_len);
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)go, k, v) {
    if (!strcmp(k, "allow")) {
      if (!json_is_array(v) || json_array_size(v) > ALLOW_MAX)
        return BAD("globalOutbound.allow: must be an array of at most %u host patterns",
                   ALLOW_MAX);
      size_t i;
      json_t *h;
      json_array_foreach(v, i, h) {
        if (!json_is_string(h) || !json_string_length(h) ||
            json_string_length(h) > DW__NET_MAX_HOST + 2)
          return BAD("globalOutbound.allow[%zu]: must be a host pattern", i);
      }
    } else if (!strcmp(k, "inject")) {
      if (!json_is_object(v))
        return BAD("globalOutbound.inject: must be an object {host: {Name: value}}");
      const char *host;
      json_t *hh;
      json_object_foreach(v, host, hh) {
        char f[400];
        snprintf(f, sizeof f, "globalOutbound.inject['%.200s']", host);
        int rc = check_headers(hh, f, why, why_len);
        if (rc) return rc;
      }
    } else {
      return BAD("globalOutbound.%.100s: unknown field", k);
    }
  }
  if (!json_object_get(go, "allow"))
    return BAD("globalOutbound.allow: required (an array of hosts)");
  return 0;
}

int dw__workercode_check(const json_t *code, char *why, size_t why_len) {
  if (why && why_len) why[0] = 0;
  if (!json_is_object(code))
    return BAD("WorkerCode: must be an object");
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)code, k, v) {
    if (strcmp(k, "compatibilityDate") && strcmp(k, "compatibilityFlags") &&
        strcmp(k, "mainModule") && strcmp(k, "modules") && strcmp(k, "env") &&
        strcmp(k, "globalOutbound") && strcmp(k, "limits"))
      return BAD("%.100s: unknown field of a WorkerCode", k);
  }
  json_t *mods = json_object_get(code, "modules");
  if (!json_is_object(mods) || json_object_size(mods) == 0)
    return BAD("modules: must be a non-empty object");
  if (json_object_size(mods) > MODULES_MAX)
    return fail(DW_E_TOO_LARGE, why, why_len, "modules: more than %u modules", MODULES_MAX);
  size_t total = 0;
  json_object_foreach(mods, k, v) {
    int rc = check_module(k, v, &total, why, why_len);
    if (rc) return rc;
    if (total > CODE_MAX)
      return fail(DW_E_TOO_LARGE, why, why_len, "modules: the code is larger than 64 MiB");
  }
  json_t *mainm = json_object_get(code, "mainModule");
  if (mainm && !json_is_string(mainm))
    return BAD("mainModule: must be a string");
  if (mainm && !json_object_get(mods, json_string_value(mainm)))
    return BAD("mainModule: '%.100s' is not a key of modules",
                json_string_value(mainm));
  json_t *date = json_object_get(code, "compatibilityDate");
  if (date && (!json_is_string(date) || !date_ok(json_string_value(date))))
    return BAD("compatibilityDate: must be a date, YYYY-MM-DD");
  json_t *flags = json_object_get(code, "compatibilityFlags");
  if (flags) {
    if (!json_is_array(flags) || json_array_size(flags) > FLAGS_MAX)
      return BAD("compatibilityFlags: must be an array of at most %u strings", FLAGS_MAX);
    size_t i;
    json_array_foreach(flags, i, v) {
      if (!json_is_string(v)) return BAD("compatibilityFlags[%zu]: must be a string", i);
    }
  }
  json_t *env = json_object_get(code, "env");
  if (env) {
    if (!json_is_object(env)) return BAD("env: must be an object");
    char *s = json_dumps(env, JSON_COMPACT);
    size_t n = s ? strlen(s) : 0;
    free(s);
    if (n > ENV_MAX)
      return fail(DW_E_TOO_LARGE, why, why_len, "env: larger than 1 MiB serialised");
    json_object_foreach(env, k, v) {
      if (!is_desc(v)) continue;
      char f[300];
      snprintf(f, sizeof f, "env.%.200s", k);
      int rc = check_desc(v, f, true, why, why_len);
      if (rc) return rc;
    }
  }
  json_t *go = json_object_get(code, "globalOutbound");
  if (go) {
    int rc = check_outbound(go, why, why_len);
    if (rc) return rc;
  }
  json_t *limits = json_object_get(code, "limits");
  if (limits) {
    if (!json_is_object(limits)) return BAD("limits: must be an object");
    json_object_foreach(limits, k, v) {
      const limit_rule *r = NULL;
      for (size_t i = 0; i < DW_ARRAY_LEN(LIMITS); i++)
        if (!strcmp(k, LIMITS[i].name)) r = &LIMITS[i];
      if (!r) return BAD("limits.%.100s: unknown limit", k);
      if (!json_is_integer(v) || json_integer_value(v) <= 0)
        return BAD("limits.%s: must be a positive integer", k);
      if (json_integer_value(v) > r->max)
        return BAD("limits.%s: at most %lld", k, (long long)r->max);
    }
  }
  return 0;
}

