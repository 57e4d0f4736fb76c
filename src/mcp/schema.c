/* mcp/schema: JSON Schema validation of tool inputs, on jansson (docs/internals/schema.md). */
#include "mcp/schema.h"

#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <string.h>

#define MAX_PATH 512      /* bytes of a path in a message; longer ones end in "..." */
#define MAX_SHOWN 60      /* bytes of a JSON value quoted in a message */
#define MAX_ENUM_SHOWN 8  /* enum members listed in a message */
#define REGEX_WORK 1000   /* work units charged for compiling a pattern */

typedef struct {
  const json_t *root;
  dw_buf *out;
  size_t max_errors;
  size_t n_errors;  /* errors found (loud) or seen (silent) */
  int silent;       /* > 0: inside an anyOf/oneOf probe: count, do not print, stop at one */
  bool more;        /* an error past max_errors was found */
  int fatal;        /* DW_E_TOO_LARGE or DW_E_NOMEM: stop everything */
  unsigned long work;
  char path[MAX_PATH + 4];
  size_t path_len;
} vctx;

static bool stop(const vctx *c) {
  return c->fatal || (c->silent ? c->n_errors > 0 : c->more);
}

/* A message quotes names and types from the schema (an upstream server's): its control
 * characters become '?', so that every error stays one line (a property named "a\nb" made
 * a message of two; found by fuzz_schema). Paths are escaped already (path_push_key). */
static void one_line(char *msg) {
  for (unsigned char *p = (unsigned char *)msg; *p; p++)
    if (*p < 0x20 || *p == 0x7f) *p = '?';
}

static void fatal(vctx *c, int err, const char *msg) {
  if (c->fatal) return;
  c->fatal = err;
  char m[1024];
  snprintf(m, sizeof m, "%s", msg);
  one_line(m);
  if (dw__buf_printf(c->out, "%s: %s\n", c->path, m)) {}
}

static void report(vctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(vctx *c, const char *fmt, ...) {
  if (c->silent) { c->n_errors++; return; }
  if (c->n_errors >= c->max_errors) { c->more = true; return; }
  c->n_errors++;
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  one_line(msg);
  if (dw__buf_printf(c->out, "%s: %s\n", c->path, msg)) c->fatal = DW_E_NOMEM;
}

/* Path segments: `.name` for identifier-like keys, `["odd key"]` otherwise, `[3]`. */
static size_t path_push_key(vctx *c, const char *key) {
  size_t old = c->path_len, room = MAX_PATH - old;
  bool ident = *key && !(*key >= '0' && *key <= '9');
  for (const char *p = key; *p && ident; p++)
    ident = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '_' || *p == '$';
  int n = 0;
  if (old < MAX_PATH) {
    if (ident) n = snprintf(c->path + old, room, ".%s", key);
    else {
      dw_buf b;
      dw__buf_init(&b, MAX_PATH);
      if (dw__buf_json_str(&b, key, strlen(key)) == 0) n = snprintf(c->path + old, room, "[%s]", b.data);
      else n = snprintf(c->path + old, room, "[...]");
      dw__buf_free(&b);
    }
  }
  if (n < 0) n = 0;
  if ((size_t)n >= room) { strcpy(c->path + MAX_PATH, "..."); c->path_len = MAX_PATH + 3; }
  else c->path_len = old + (size_t)n;
  return old;
}

static size_t path_push_index(vctx *c, size_t i) {
  size_t old = c->path_len;
  if (old < MAX_PATH) {
    int n = snprintf(c->path + old, MAX_PATH - old, "[%zu]", i);
    if (n < 0 || (size_t)n >= MAX_PATH - old) { strcpy(c->path + MAX_PATH, "..."); c->path_len = MAX_PATH + 3; }
    else c->path_len = old + (size_t)n;
  }
  return old;
}

static void path_pop(vctx *c, size_t old) {
  c->path_len = old;
  c->path[old] = '\0';
}

/* The JSON type name of a value as messages say it; integers are "integer" only where the
 * schema asked for a number kind (see type_word). */
static const char *type_name(const json_t *v) {
  switch (json_typeof(v)) {
  case JSON_OBJECT: return "object";
  case JSON_ARRAY: return "array";
  case JSON_STRING: return "string";
  case JSON_INTEGER: case JSON_REAL: return "number";
  case JSON_TRUE: case JSON_FALSE: return "boolean";
  default: return "null";
  }
}

static bool is_integral(const json_t *v) {
  if (json_is_integer(v)) return true;
  if (!json_is_real(v)) return false;
  double d = json_real_value(v);
  return isfinite(d) && floor(d) == d;
}

/* Whether `v` is of JSON Schema type `t`; unknown type names accept (lenient). */
static bool is_type(const json_t *v, const char *t) {
  if (!strcmp(t, "object")) return json_is_object(v);
  if (!strcmp(t, "array")) return json_is_array(v);
  if (!strcmp(t, "string")) return json_is_string(v);
  if (!strcmp(t, "number")) return json_is_number(v);
  if (!strcmp(t, "integer")) return is_integral(v);
  if (!strcmp(t, "boolean")) return json_is_boolean(v);
  if (!strcmp(t, "null")) return json_is_null(v);
  return true;
}

/* A value quoted for a message, cut at MAX_SHOWN bytes. */
static void shown(const json_t *v, char *out, size_t n) {
  char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
  if (!s) { snprintf(out, n, "(a %s)", type_name(v)); return; }
  if (strlen(s) > MAX_SHOWN) snprintf(out, n, "%.*s...", MAX_SHOWN, s);
  else snprintf(out, n, "%s", s);
  free(s);
}

static double num(const json_t *v) { return json_number_value(v); }

/* The JSON pointer `ref` ("#", "#/$defs/x", "#/definitions/x", any "#/a/b" with ~0 ~1)
 * in the root schema, or NULL (remote and unresolvable refs are not followed). */
static const json_t *resolve(const vctx *c, const char *ref) {
  if (ref[0] != '#') return NULL;
  const json_t *cur = c->root;
  const char *p = ref + 1;
  if (!*p) return cur;
  if (*p != '/') return NULL;
  char seg[256];
  while (*p == '/' && cur) {
    p++;
    size_t n = 0;
    while (*p && *p != '/') {
      char ch = *p++;
      if (ch == '~' && *p == '0') { ch = '~'; p++; }
      else if (ch == '~' && *p == '1') { ch = '/'; p++; }
      if (n + 1 >= sizeof seg) return NULL;
      seg[n++] = ch;
    }
    seg[n] = '\0';
    if (json_is_object(cur)) cur = json_object_get(cur, seg);
    else if (json_is_array(cur)) {
      char *end;
      unsigned long i = strtoul(seg, &end, 10);
      cur = (*seg && !*end) ? json_array_get(cur, i) : NULL;
    } else cur = NULL;
  }
  return cur;
}

static size_t utf8_len(const char *s, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) k += ((unsigned char)s[i] & 0xC0) != 0x80;
  return k;
}

/* ECMA-262 pattern -> POSIX ERE, for what the two share plus the common escapes: \d \w \s
 * (and \D \W \S outside brackets), (?: ) groups, lazy quantifiers (a search only asks
 * whether there is a match, so laziness does not change the answer), \t \n \r, escaped
 * punctuation. Lookaround, backreferences, \b inside brackets, \u escapes, named groups and
 * flags are not translatable: false (the pattern is then not checked). */
static bool ecma_to_ere(const char *p, dw_buf *o) {
  bool in_class = false;
  size_t class_start = 0;
  bool class_dash = false, class_rbr = false;
  dw_buf cls;
  dw__buf_init(&cls, 4 * DW__SCHEMA_MAX_PATTERN + 16);
  bool ok = true, quant = false; /* quant: the last thing written was a quantifier */
  for (; *p && ok; p++) {
    char ch = *p;
    if (ch == '\\' || ch == '[' || ch == '(') quant = false;
    dw_buf *w = in_class ? &cls : o;
    if (ch == '\\') {
      char e = *++p;
      if (!e) { ok = false; break; }
      const char *rep = NULL;
      char lit[2] = {0, 0};
      switch (e) {
      case 'd': rep = in_class ? "0-9" : "[0-9]"; break;
      case 'w': rep = in_class ? "A-Za-z0-9_" : "[A-Za-z0-9_]"; break;
      case 's': rep = in_class ? "[:space:]" : "[[:space:]]"; break;
      case 'D': rep = in_class ? NULL : "[^0-9]"; ok = !in_class; break;
      case 'W': rep = in_class ? NULL : "[^A-Za-z0-9_]"; ok = !in_class; break;
      case 'S': rep = in_class ? NULL : "[^[:space:]]"; ok = !in_class; break;
      case 't': lit[0] = '\t'; break;
      case 'n': lit[0] = '\n'; break;
      case 'r': lit[0] = '\r'; break;
      case 'b': case 'B': if (in_class) ok = false; else rep = e == 'b' ? "\\b" : "\\B"; break;
      default:
        if ((e >= '0' && e <= '9') || (e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') ||
            (unsigned char)e >= 0x80) { ok = false; break; }
        if (in_class) {
          if (e == '-') { class_dash = true; break; }
          if (e == ']') { class_rbr = true; break; }
          if (e == '^' || e == '[') { /* not first, and `[` only matters before `:.=` */
            if (dw__buf_putc(w, e)) ok = false;
            break;
          }
          lit[0] = e;
        } else {
          static const char special[] = ".[]()*+?{}|^$\\";
          if (strchr(special, e)) {
            char two[3] = {'\\', e, 0};
            if (dw__buf_puts(w, two)) ok = false;
          } else lit[0] = e;
        }
      }
      if (ok && rep && dw__buf_puts(w, rep)) ok = false;
      if (ok && lit[0]) {
        if (in_class && (lit[0] == '\\')) lit[0] = '\\'; /* a backslash is literal in a class */
        if (dw__buf_putc(w, lit[0])) ok = false;
      }
      continue;
    }
    if (in_class) {
      if (ch == ']' && cls.len > class_start) {
        /* Close: `]` first, `-` last, as POSIX wants them literal. */
        in_class = false;
        const char *body = cls.data ? cls.data : "";
        bool neg = body[0] == '^';
        if (dw__buf_putc(o, '[') || (neg && dw__buf_putc(o, '^')) ||
            (class_rbr && dw__buf_putc(o, ']')) ||
            dw__buf_puts(o, body + (neg ? 1 : 0)) || (class_dash && dw__buf_putc(o, '-')) ||
            dw__buf_putc(o, ']'))
          ok = false;
        continue;
      }
      if (ch == ']' && cls.len == class_start) { /* [] or [^]: ECMA's empty / any class */
        ok = false;
        break;
      }
      if (ch == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) { ok = false; break; }
      if (dw__buf_putc(&cls, ch)) ok = false;
      continue;
    }
    if (ch == '[') {
      in_class = true;
      dw__buf_reset(&cls);
      class_dash = class_rbr = false;
      class_start = 0;
      if (p[1] == '^') { if (dw__buf_putc(&cls, '^')) ok = false; p++; class_start = 1; }
      continue;
    }
    if (ch == '(' && p[1] == '?') {
      if (p[2] == ':') { if (dw__buf_putc(o, '(')) ok = false; p += 2; continue; }
      ok = false; /* lookaround, named groups */
      break;
    }
    if (ch == '?' && quant) { quant = false; continue; } /* lazy: same answer for a search */
    quant = ch == '*' || ch == '+' || ch == '?' || ch == '}';
    if (dw__buf_putc(o, ch)) ok = false;
  }
  if (in_class) ok = false;
  dw__buf_free(&cls);
  return ok;
}

/* Whether string `s` matches `pattern`; -1 when the pattern is not checked (untranslatable,
 * too long, does not compile, or the string is too long). */
static int pattern_match(vctx *c, const char *pattern, const char *s, size_t n) {
  if (strlen(pattern) > DW__SCHEMA_MAX_PATTERN || n > DW__SCHEMA_MAX_PATTERN_INPUT ||
      strlen(s) != n)
    return -1;
  c->work += REGEX_WORK;
  dw_buf ere;
  dw__buf_init(&ere, 8 * DW__SCHEMA_MAX_PATTERN + 16);
  int r = -1;
  if (ecma_to_ere(pattern, &ere)) {
    regex_t re;
    if (regcomp(&re, ere.data ? ere.data : "", REG_EXTENDED | REG_NOSUB) == 0) {
      r = regexec(&re, s, 0, NULL, 0) == 0;
      regfree(&re);
    }
  }
  dw__buf_free(&ere);
  return r;
}

static void check(vctx *c, const json_t *s, const json_t *v, int depth);

/* The alternatives' declared types, "string | number", when every one declares a plain
 * type; else "". */
static void alt_types(const json_t *list, char *out, size_t n) {
  size_t len = 0;
  out[0] = '\0';
  size_t i;
  json_t *a;
  json_array_foreach(list, i, a) {
    const char *t = json_string_value(json_object_get(a, "type"));
    if (!t) {
      json_t *cv = json_object_get(a, "const");
      if (!cv) { out[0] = '\0'; return; }
      char sv[MAX_SHOWN + 8];
      shown(cv, sv, sizeof sv);
      len += (size_t)snprintf(out + len, len < n ? n - len : 0, "%s%s", i ? " | " : "", sv);
    } else {
      len += (size_t)snprintf(out + len, len < n ? n - len : 0, "%s%s", i ? " | " : "", t);
    }
    if (len >= n) { out[0] = '\0'; return; }
  }
}

/* Whether `v` passes `s`, without reporting. */
static bool probe(vctx *c, const json_t *s, const json_t *v, int depth) {
  size_t saved = c->n_errors;
  c->silent++;
  c->n_errors = 0;
  check(c, s, v, depth);
  bool ok = c->n_errors == 0;
  c->silent--;
  c->n_errors = saved;
  return ok;
}

/* Whether the schema's own "type" (if any) admits v: the alternative the value "meant". */
static bool type_admits(const json_t *s, const json_t *v) {
  json_t *t = json_object_get(s, "type");
  if (json_is_string(t)) return is_type(v, json_string_value(t));
  if (json_is_array(t)) {
    size_t i;
    json_t *x;
    json_array_foreach(t, i, x) if (json_is_string(x) && is_type(v, json_string_value(x))) return true;
    return false;
  }
  json_t *cv = json_object_get(s, "const");
  if (cv) return json_equal(cv, v);
  return true;
}

static void combinators(vctx *c, const json_t *s, const json_t *v, int depth) {
  json_t *all = json_object_get(s, "allOf"), *any = json_object_get(s, "anyOf"),
         *one = json_object_get(s, "oneOf");
  size_t i;
  json_t *a;
  if (json_is_array(all))
    json_array_foreach(all, i, a) { if (stop(c)) return; check(c, a, v, depth + 1); }
  for (int k = 0; k < 2; k++) {
    json_t *list = k ? one : any;
    if (!json_is_array(list) || !json_array_size(list) || stop(c)) continue;
    size_t matched = 0, first = 0, second = 0;
    json_array_foreach(list, i, a) {
      if (probe(c, a, v, depth + 1)) {
        if (matched == 0) first = i;
        else if (matched == 1) second = i;
        matched++;
        if (!k || matched > 1) break;
      }
      if (c->fatal) return;
    }
    if (k && matched > 1) {
      report(c, "matches more than one of the oneOf alternatives (%zu and %zu), expected exactly "
                "one", first + 1, second + 1);
      continue;
    }
    if (matched) continue;
    /* None matched: explain with the alternative of the value's own type, when there is
     * exactly one such; else list the types. */
    size_t meant = 0, which = 0;
    json_array_foreach(list, i, a) if (json_is_object(a) && type_admits(a, v)) { meant++; which = i; }
    if (meant == 1) { check(c, json_array_get(list, which), v, depth + 1); continue; }
    char types[400];
    alt_types(list, types, sizeof types);
    if (*types) report(c, "expected %s, got %s", types, type_name(v));
    else report(c, "matches none of the %zu %s alternatives", json_array_size(list),
                k ? "oneOf" : "anyOf");
  }
}

static void check_type(vctx *c, const json_t *s, const json_t *v, bool *bad) {
  json_t *t = json_object_get(s, "type");
  if (json_is_string(t)) {
    if (!is_type(v, json_string_value(t))) {
      const char *want = json_string_value(t);
      report(c, "expected %s, got %s", want,
             !strcmp(want, "integer") && json_is_number(v) ? "a number with a fraction"
                                                           : type_name(v));
      *bad = true;
    }
  } else if (json_is_array(t) && json_array_size(t)) {
    size_t i;
    json_t *x;
    bool ok = false;
    char list[256] = "";
    size_t len = 0;
    json_array_foreach(t, i, x) {
      if (!json_is_string(x) || is_type(v, json_string_value(x))) { ok = true; break; }
      if (len < sizeof list)
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", i ? " or " : "",
                                json_string_value(x));
    }
    if (!ok) {
      report(c, "expected %s, got %s", list, type_name(v));
      *bad = true;
    }
  }
}

static void check_enum(vctx *c, const json_t *s, const json_t *v) {
  json_t *e = json_object_get(s, "enum"), *cv = json_object_get(s, "const");
  char sv[MAX_SHOWN + 8], got[MAX_SHOWN + 8];
  if (cv && !json_equal(cv, v)) {
    shown(cv, sv, sizeof sv);
    shown(v, got, sizeof got);
    report(c, "expected %s, got %s", sv, got);
  }
  if (!json_is_array(e)) return;
  size_t i;
  json_t *x;
  json_array_foreach(e, i, x) {
    c->work++;
    if (json_equal(x, v)) return;
  }
  if (c->work > DW__SCHEMA_MAX_WORK) return;
  dw_buf b;
  dw__buf_init(&b, 900);
  json_array_foreach(e, i, x) {
    if (i == MAX_ENUM_SHOWN) { if (dw__buf_printf(&b, ", ... (%zu in all)", json_array_size(e))) {} break; }
    shown(x, sv, sizeof sv);
    if (dw__buf_printf(&b, "%s%s", i ? ", " : "", sv)) break;
  }
  shown(v, got, sizeof got);
  report(c, "expected one of %s, got %s", b.data ? b.data : "(nothing)", got);
  dw__buf_free(&b);
}

static void check_number(vctx *c, const json_t *s, const json_t *v) {
  double d = num(v);
  json_t *k;
  char lim[64];
  if ((k = json_object_get(s, "minimum")) && json_is_number(k) && d < num(k)) {
    shown(k, lim, sizeof lim);
    report(c, "expected a number >= %s, got %s", lim, (shown(v, lim + 32, 32), lim + 32));
  }
  if ((k = json_object_get(s, "maximum")) && json_is_number(k) && d > num(k)) {
    shown(k, lim, sizeof lim);
    report(c, "expected a number <= %s, got %s", lim, (shown(v, lim + 32, 32), lim + 32));
  }
  /* draft-04 spells them as booleans next to minimum/maximum; later drafts as numbers. */
  k = json_object_get(s, "exclusiveMinimum");
  if (json_is_number(k) && d <= num(k)) {
    shown(k, lim, sizeof lim);
    report(c, "expected a number > %s, got %s", lim, (shown(v, lim + 32, 32), lim + 32));
  } else if (json_is_true(k) && json_is_number(json_object_get(s, "minimum")) &&
             d == num(json_object_get(s, "minimum"))) {
    shown(json_object_get(s, "minimum"), lim, sizeof lim);
    report(c, "expected a number > %s, got %s", lim, lim);
  }
  k = json_object_get(s, "exclusiveMaximum");
  if (json_is_number(k) && d >= num(k)) {
    shown(k, lim, sizeof lim);
    report(c, "expected a number < %s, got %s", lim, (shown(v, lim + 32, 32), lim + 32));
  } else if (json_is_true(k) && json_is_number(json_object_get(s, "maximum")) &&
             d == num(json_object_get(s, "maximum"))) {
    shown(json_object_get(s, "maximum"), lim, sizeof lim);
    report(c, "expected a number < %s, got %s", lim, lim);
  }
  if ((k = json_object_get(s, "multipleOf")) && json_is_number(k) && num(k) > 0) {
    double q = d / num(k);
    if (isfinite(q) && fabs(q - round(q)) > 1e-9) {
      shown(k, lim, sizeof lim);
      report(c, "expected a multiple of %s", lim);
    }
  }
}

static void check_string(vctx *c, const json_t *s, const json_t *v) {
  const char *str = json_string_value(v);
  size_t n = json_string_length(v), cps = utf8_len(str, n);
  json_t *k;
  if ((k = json_object_get(s, "minLength")) && json_is_integer(k) &&
      (json_int_t)cps < json_integer_value(k))
    report(c, "expected a string of at least %lld characters, got %zu",
           (long long)json_integer_value(k), cps);
  if ((k = json_object_get(s, "maxLength")) && json_is_integer(k) &&
      (json_int_t)cps > json_integer_value(k))
    report(c, "expected a string of at most %lld characters, got %zu",
           (long long)json_integer_value(k), cps);
  const char *pat = json_string_value(json_object_get(s, "pattern"));
  if (pat && pattern_match(c, pat, str, n) == 0) {
    char got[MAX_SHOWN + 8];
    shown(v, got, sizeof got);
    report(c, "expected a string matching /%.200s/, got %s", pat, got);
  }
}

static void check_array(vctx *c, const json_t *s, const json_t *v, int depth) {
  size_t n = json_array_size(v), i;
  json_t *k, *x;
  if ((k = json_object_get(s, "minItems")) && json_is_integer(k) &&
      (json_int_t)n < json_integer_value(k))
    report(c, "expected at least %lld items, got %zu", (long long)json_integer_value(k), n);
  if ((k = json_object_get(s, "maxItems")) && json_is_integer(k) &&
      (json_int_t)n > json_integer_value(k))
    report(c, "expected at most %lld items, got %zu", (long long)json_integer_value(k), n);
  if (json_is_true(json_object_get(s, "uniqueItems"))) {
    for (size_t a = 0; a < n && !stop(c); a++)
      for (size_t b = a + 1; b < n; b++) {
        if (++c->work > DW__SCHEMA_MAX_WORK) { fatal(c, DW_E_TOO_LARGE, "too much work to check uniqueItems"); return; }
        if (json_equal(json_array_get(v, a), json_array_get(v, b))) {
          report(c, "expected unique items, but items %zu and %zu are equal", a, b);
          a = n;
          break;
        }
      }
  }
  json_t *items = json_object_get(s, "items"), *prefix = json_object_get(s, "prefixItems");
  size_t start = 0;
  if (json_is_array(prefix) || json_is_array(items)) { /* tuple forms (2020-12 / draft-07) */
    json_t *tuple = json_is_array(prefix) ? prefix : items;
    for (i = 0; i < n && i < json_array_size(tuple) && !stop(c); i++) {
      size_t old = path_push_index(c, i);
      check(c, json_array_get(tuple, i), json_array_get(v, i), depth + 1);
      path_pop(c, old);
    }
    start = json_array_size(tuple);
    items = json_is_array(prefix) ? items : json_object_get(s, "additionalItems");
  }
  if (json_is_false(items) && n > start) {
    report(c, "expected at most %zu items, got %zu", start, n);
    return;
  }
  if (!json_is_object(items)) return;
  for (i = start; i < n && !stop(c); i++) {
    x = json_array_get(v, i);
    size_t old = path_push_index(c, i);
    check(c, items, x, depth + 1);
    path_pop(c, old);
  }
}

static void check_object(vctx *c, const json_t *s, const json_t *v, int depth) {
  json_t *props = json_object_get(s, "properties"), *req = json_object_get(s, "required"),
         *addl = json_object_get(s, "additionalProperties"), *k;
  size_t i;
  json_t *x;
  json_array_foreach(req, i, x) {
    const char *name = json_string_value(x);
    if (!name || json_object_get(v, name) || stop(c)) continue;
    size_t old = path_push_key(c, name);
    const char *t = json_string_value(json_object_get(json_object_get(props, name), "type"));
    if (t) report(c, "missing required property (expected %s)", t);
    else report(c, "missing required property");
    path_pop(c, old);
  }
  if ((k = json_object_get(s, "minProperties")) && json_is_integer(k) &&
      (json_int_t)json_object_size(v) < json_integer_value(k))
    report(c, "expected at least %lld properties", (long long)json_integer_value(k));
  if ((k = json_object_get(s, "maxProperties")) && json_is_integer(k) &&
      (json_int_t)json_object_size(v) > json_integer_value(k))
    report(c, "expected at most %lld properties", (long long)json_integer_value(k));
  const char *key;
  json_object_foreach((json_t *)v, key, x) {
    if (stop(c)) return;
    json_t *ps = json_is_object(props) ? json_object_get(props, key) : NULL;
    size_t old = path_push_key(c, key);
    if (ps) check(c, ps, x, depth + 1);
    else if (json_is_false(addl)) {
      dw_buf names;
      dw__buf_init(&names, 300);
      const char *pk;
      json_t *pv;
      size_t j = 0;
      json_object_foreach(props, pk, pv) {
        if (dw__buf_printf(&names, "%s%s", j++ ? ", " : "", pk)) { if (dw__buf_puts(&names, ", ...")) {} break; }
      }
      if (names.len) report(c, "unexpected property (allowed: %s)", names.data);
      else report(c, "unexpected property (no properties are allowed)");
      dw__buf_free(&names);
    } else if (json_is_object(addl)) check(c, addl, x, depth + 1);
    path_pop(c, old);
  }
}

static void check(vctx *c, const json_t *s, const json_t *v, int depth) {
  if (stop(c)) return;
  if (depth > DW__SCHEMA_MAX_DEPTH) {
    fatal(c, DW_E_TOO_LARGE, "the schema nests deeper than " "64" " levels here (a $ref cycle?); "
                             "not checked");
    return;
  }
  if (++c->work > DW__SCHEMA_MAX_WORK) {
    fatal(c, DW_E_TOO_LARGE, "checking this input against its schema takes too much work; "
                             "not checked");
    return;
  }
  if (json_is_false(s)) { report(c, "no value is allowed here"); return; }
  if (!json_is_object(s)) return;
  const char *ref = json_string_value(json_object_get(s, "$ref"));
  if (ref) {
    const json_t *target = resolve(c, ref);
    if (target) check(c, target, v, depth + 1);
    if (stop(c)) return;
  }
  bool bad = false;
  check_type(c, s, v, &bad);
  if (bad) return; /* the rest would only repeat that the type is wrong */
  check_enum(c, s, v);
  if (json_is_number(v)) check_number(c, s, v);
  else if (json_is_string(v)) check_string(c, s, v);
  else if (json_is_array(v)) check_array(c, s, v, depth);
  else if (json_is_object(v)) check_object(c, s, v, depth);
  if (c->work > DW__SCHEMA_MAX_WORK && !c->fatal)
    fatal(c, DW_E_TOO_LARGE, "checking this input against its schema takes too much work; "
                             "not checked");
  if (!stop(c)) combinators(c, s, v, depth);
  json_t *not = json_object_get(s, "not");
  if (json_is_object(not) && !stop(c) && probe(c, not, v, depth + 1) && !c->fatal)
    report(c, "matches a schema it must not match (not)");
}

int dw__schema_validate(const json_t *schema, const json_t *value, const char *root,
                        size_t max_errors, dw_buf *out) {
  vctx *c = calloc(1, sizeof *c);
  if (!c) return DW_E_NOMEM;
  c->root = schema;
  c->out = out;
  c->max_errors = max_errors ? max_errors : DW__SCHEMA_DEFAULT_ERRORS;
  snprintf(c->path, MAX_PATH, "%s", root ? root : "input");
  c->path_len = strlen(c->path);
  size_t start = out->len;
  check(c, schema, value, 0);
  int rc = c->fatal ? c->fatal : c->n_errors ? DW_E_BAD_REQUEST : 0;
  if (rc == DW_E_BAD_REQUEST && c->more && dw__buf_puts(out, "(more errors not listed)\n")) {}
  if (rc == DW_E_NOMEM && out->len > start) { out->len = start; if (out->data) out->data[start] = '\0'; }
  free(c);
  return rc;
}
