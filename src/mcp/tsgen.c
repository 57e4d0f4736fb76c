/* JSON Schema -> TypeScript declarations (docs/internals/tsgen.md). Every schema is hostile:
 * recursion is bounded by DW__TS_MAX_DEPTH, `$ref` targets become named types (rendered once,
 * so cycles cost one name each), and all output goes through capped buffers. */
#include <ctype.h>
#include <string.h>
#include "mcp/tsgen.h"

/* ---- names ---------------------------------------------------------------------------- */

#define MAX_IDENT 64

/* A set of names taken in one scope (a namespace's types or functions): a Jansson object used
 * as a hash set, so that thousands of tools and types cost no quadratic scan. */
typedef struct {
  json_t *set;
} nameset;

static void names_free(nameset *s) {
  json_decref(s->set);
  s->set = NULL;
}

static bool names_has(const nameset *s, const char *name) {
  return s->set && json_object_get(s->set, name) != NULL;
}

static int names_add(nameset *s, const char *name) {
  if (!s->set && !(s->set = json_object())) return DW_E_NOMEM;
  return json_object_set_new_nocheck(s->set, name, json_true()) ? DW_E_NOMEM : 0;
}

/* Words an identifier may not be in our output: JavaScript's reserved words (strict mode and
 * modules), TypeScript's predefined type names (a namespace cannot take them) and the globals
 * the declarations themselves use. */
static const char *const reserved[] = {
    "await", "break", "case", "catch", "class", "const", "continue", "debugger", "default",
    "delete", "do", "else", "enum", "export", "extends", "false", "finally", "for", "function",
    "if", "import", "in", "instanceof", "new", "null", "return", "super", "switch", "this",
    "throw", "true", "try", "typeof", "var", "void", "while", "with", "implements",
    "interface", "let", "package", "private", "protected", "public", "static", "yield",
    "arguments", "eval", "any", "unknown", "never", "string", "number", "boolean", "symbol",
    "object", "bigint", "undefined", "declare", "namespace", "module", "type", "Promise",
    "Array", "Record", "Object"};

static bool is_reserved(const char *s) {
  for (size_t i = 0; i < DW_ARRAY_LEN(reserved); i++)
    if (strcmp(reserved[i], s) == 0) return true;
  return false;
}

static bool ident_char(unsigned char c) { return isalnum(c) || c == '_' || c == '$'; }

/* True when `s` can be written bare as a property name (reserved words are fine there). */
static bool is_ident(const char *s) {
  if (!*s || isdigit((unsigned char)*s)) return false;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    if (!(ident_char(*p) && *p < 0x80)) return false;
  return true;
}

/* Writes `s` as an ASCII identifier into `out` (MAX_IDENT + 2 bytes): other bytes become `_`
 * (one per UTF-8 sequence), a leading digit gets `_` before it, a reserved word `_` after. */
static void sanitise(const char *s, char *out) {
  size_t n = 0;
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p && n < MAX_IDENT; p++) {
    if (n == 0 && isdigit(*p)) out[n++] = '_';
    if (*p < 0x80 && ident_char(*p)) {
      out[n++] = (char)*p;
    } else {
      out[n++] = '_';
      if (*p >= 0xc0)
        while ((p[1] & 0xc0) == 0x80) p++;
    }
  }
  if (n == 0) out[n++] = '_';
  out[n] = 0;
  if (is_reserved(out)) {
    out[n++] = '_';
    out[n] = 0;
  }
}

/* PascalCase of an identifier-ish string ("search_issues" -> "SearchIssues"). `out` holds
 * MAX_IDENT + 2 bytes. */
static void pascal(const char *s, char *out) {
  char id[MAX_IDENT + 2];
  sanitise(s, id);
  size_t n = 0;
  bool up = true;
  for (const char *p = id; *p && n < MAX_IDENT; p++) {
    if (*p == '_' || *p == '$') {
      up = true;
      continue;
    }
    if (n == 0 && isdigit((unsigned char)*p)) out[n++] = 'T';
    out[n++] = up ? (char)toupper((unsigned char)*p) : *p;
    up = false;
  }
  if (n == 0) out[n++] = 'T';
  out[n] = 0;
}

/* Takes `base`, or `base2`, `base3`, ... : the first not in `s`, and records it. `out` holds
 * MAX_IDENT + 16 bytes. */
static int unique(nameset *s, const char *base, const char *suffix, char *out) {
  snprintf(out, MAX_IDENT + 16, "%s%s", base, suffix);
  for (unsigned i = 2; names_has(s, out); i++) {
    if (suffix[0] || base[strlen(base) - 1] == '_')
      snprintf(out, MAX_IDENT + 16, "%s%s%u", base, suffix, i);
    else
      snprintf(out, MAX_IDENT + 16, "%s_%u", base, i);
  }
  return names_add(s, out);
}

/* ---- output helpers ------------------------------------------------------------------ */

typedef struct {
  const json_t *schema;
  char name[MAX_IDENT + 16];
  bool done;
} named;

/* The state of rendering one schema root and the named types it reaches. */
typedef struct {
  dw_buf *out;
  const json_t *root;
  nameset *types; /* the scope's type names */
  const char *prefix; /* the root's name, prefixed to its $ref targets' names */
  named *v;
  size_t n;
  const json_t *inl[DW__TS_MAX_DEPTH + 2]; /* aliases being expanded at top level */
  size_t n_inl;
  bool compact, examples;
  bool oneline;  /* each declaration on one line, doc comments kept inline (the API's form) */
  bool root_ref; /* a `$ref` named the root itself (it then needs a declaration) */
  struct hoist *h; /* object types several tools of the namespace repeat (NULL: none) */
  char *why;
  size_t why_len;
} gen;

static int fail(gen *g, int err, const char *msg) {
  if (g->why && g->why_len && err != DW_E_NOMEM) snprintf(g->why, g->why_len, "%s", msg);
  if (g->why && g->why_len && err == DW_E_NOMEM) snprintf(g->why, g->why_len, "out of memory");
  return err;
}

/* Gives an append's error its message. */
static int chk(gen *g, int rc) {
  if (rc == DW_E_TOO_LARGE) {
    char msg[128];
    snprintf(msg, sizeof msg, "the generated TypeScript exceeds its maximum of %zu bytes",
             g->out->max);
    return fail(g, rc, msg);
  }
  return rc ? fail(g, rc, "") : 0;
}

static int put(gen *g, const char *s) { return chk(g, dw__buf_puts(g->out, s)); }

static bool flat(const gen *g) { return g->compact || g->oneline; }

static int newline(gen *g, int indent) {
  if (flat(g)) return put(g, " ");
  int rc = put(g, "\n");
  for (int i = 0; i < indent && !rc; i++) rc = put(g, "  ");
  return rc;
}

/* Appends `s` as doc-comment text: whitespace runs become one space, control bytes a space,
 * `*` + `/` becomes `*\/`, bytes of invalid UTF-8 become `?`; cut at DW__TS_MAX_DOC. */
static int doc_text(dw_buf *b, const char *s, size_t max) {
  bool utf8 = dw__utf8_valid(s, strlen(s));
  bool space = false;
  size_t start = b->len;
  int rc = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p && !rc; p++) {
    if (b->len - start >= max) {
      while (b->len > start && ((unsigned char)b->data[b->len - 1] & 0xc0) == 0x80) b->len--;
      if (b->len > start && (unsigned char)b->data[b->len - 1] >= 0xc0) b->len--;
      b->data[b->len] = 0;
      return dw__buf_puts(b, "...");
    }
    if (*p < 0x20 || *p == 0x7f || *p == ' ') {
      space = b->len > start;
      continue;
    }
    if (space) rc = dw__buf_putc(b, ' ');
    space = false;
    if (!rc && *p == '/' && b->len > start && b->data[b->len - 1] == '*') rc = dw__buf_putc(b, '\\');
    if (!rc) rc = dw__buf_putc(b, (char)(*p >= 0x80 && !utf8 ? '?' : *p));
  }
  return rc;
}

/* A compact JSON rendering of `v` for a doc comment, or NULL when it is too long. */
static char *json_short(const json_t *v) {
  char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
  if (s && strlen(s) > 120) {
    free(s);
    s = NULL;
  }
  return s;
}

/* A doc comment for `schema` (its description, else its title; @default/@example when
 * asked), followed by a newline at `indent`. Nothing when there is nothing to say. */
static int doc(gen *g, const json_t *schema, const char *extra, int indent) {
  if (g->compact) return 0;
  const char *d = NULL;
  if (json_is_object(schema)) {
    d = json_string_value(json_object_get(schema, "description"));
    if (!d) d = json_string_value(json_object_get(schema, "title"));
  }
  dw_buf t;
  dw__buf_init(&t, DW__TS_MAX_DOC * 8 + 1024); /* room for text, note and two tags */
  int rc = 0;
  if (d) rc = doc_text(&t, d, DW__TS_MAX_DOC);
  if (!rc && extra && *extra) {
    if (t.len) rc = dw__buf_putc(&t, ' ');
    if (!rc) rc = doc_text(&t, extra, DW__TS_MAX_DOC);
  }
  if (!rc && g->examples && json_is_object(schema)) {
    const json_t *ex = json_object_get(schema, "examples");
    ex = json_is_array(ex) ? json_array_get(ex, 0) : json_object_get(schema, "example");
    const char *tags[] = {"@default ", "@example "};
    const json_t *vals[] = {json_object_get(schema, "default"), ex};
    for (int i = 0; i < 2 && !rc; i++) {
      char *j = vals[i] ? json_short(vals[i]) : NULL;
      if (!j) continue;
      if (t.len) rc = dw__buf_putc(&t, ' ');
      if (!rc) rc = dw__buf_puts(&t, tags[i]);
      if (!rc) rc = doc_text(&t, j, DW__TS_MAX_DOC);
      free(j);
    }
  }
  if (rc == DW_E_TOO_LARGE) rc = 0; /* cannot happen: t is sized for the caps above */
  if (!rc && t.len) {
    rc = put(g, "/** ");
    if (!rc) rc = put(g, t.data);
    if (!rc) rc = put(g, " */");
    if (!rc) rc = newline(g, indent);
  } else if (rc) {
    rc = fail(g, rc, "");
  }
  dw__buf_free(&t);
  return rc;
}

/* Wraps out[start..] in `open` ... `close` (inserting before the segment). */
static int wrap(gen *g, size_t start, const char *open, const char *close) {
  size_t no = strlen(open), len = g->out->len - start;
  for (size_t i = 0; i < no; i++) {
    int rc = put(g, " ");
    if (rc) return rc;
  }
  char *seg = g->out->data + start;
  memmove(seg + no, seg, len);
  memcpy(seg, open, no);
  return put(g, close);
}

/* Whether out[start..] has a `|` outside brackets, braces, parentheses, strings, comments. */
static bool top_union(const gen *g, size_t start) {
  int depth = 0;
  const char *p = g->out->data + start, *end = g->out->data + g->out->len;
  for (; p < end; p++) {
    if (*p == '"') {
      for (p++; p < end && *p != '"'; p++)
        if (*p == '\\') p++;
    } else if (*p == '/' && p + 1 < end && p[1] == '*') {
      const char *c = strstr(p + 2, "*/");
      p = c ? c + 1 : end;
    } else if (strchr("([{<", *p)) {
      depth++;
    } else if (strchr(")]}>", *p)) {
      depth--;
    } else if (*p == '|' && depth == 0) {
      return true;
    }
  }
  return false;
}

/* Whether out[start..] is a single name (`string`, `FooInput`, `a.B[]`): `T[]` needs no
 * parentheses. */
static bool simple(const gen *g, size_t start) {
  for (size_t i = start; i < g->out->len; i++)
    if (!ident_char((unsigned char)g->out->data[i]) && !strchr(".[]", g->out->data[i]))
      return false;
  return g->out->len > start;
}

/* ---- $ref ----------------------------------------------------------------------------- */

/* Resolves a local JSON pointer ("#", "#/$defs/X", "#/definitions/X", any "#/a/b/0") in the
 * root; `last` receives its last segment (decoded), for the type's name. NULL if unresolved. */
static const json_t *resolve(const gen *g, const char *ref, char *last, size_t last_len) {
  if (ref[0] != '#') return NULL;
  const json_t *at = g->root;
  snprintf(last, last_len, "%s", "");
  const char *p = ref + 1;
  if (*p && *p != '/') return NULL;
  for (int segs = 0; *p; segs++) {
    if (segs >= 32) return NULL;
    p++;
    size_t n = strcspn(p, "/");
    size_t k = 0;
    if (n >= last_len) return NULL;
    for (size_t i = 0; i < n; i++) {
      if (p[i] == '~' && i + 1 < n && (p[i + 1] == '0' || p[i + 1] == '1')) {
        last[k++] = p[i + 1] == '0' ? '~' : '/';
        i++;
      } else {
        last[k++] = p[i];
      }
    }
    last[k] = 0;
    if (json_is_object(at)) {
      at = json_object_get(at, last);
    } else if (json_is_array(at)) {
      char *e;
      unsigned long idx = strtoul(last, &e, 10);
      at = (*last && !*e) ? json_array_get(at, idx) : NULL;
    } else {
      return NULL;
    }
    if (!at) return NULL;
    p += n;
  }
  return at;
}

/* The named type for `target`, registered (to be rendered later) on first use. */
static int named_for(gen *g, const json_t *target, const char *last, const char **name) {
  for (size_t i = 0; i < g->n; i++) {
    if (g->v[i].schema == target) {
      *name = g->v[i].name;
      g->root_ref = g->root_ref || i == 0;
      return 0;
    }
  }
  if (g->n >= DW__TS_MAX_TYPES) {
    char msg[128];
    snprintf(msg, sizeof msg, "the schema needs more than %d named types ($ref targets)",
             DW__TS_MAX_TYPES);
    return fail(g, DW_E_TOO_LARGE, msg);
  }
  char base[2 * MAX_IDENT + 4], p[MAX_IDENT + 2];
  pascal(last, p);
  snprintf(base, sizeof base, "%s%s", g->prefix, p);
  base[MAX_IDENT] = 0;
  named *t = &g->v[g->n];
  t->schema = target;
  t->done = false;
  int rc = unique(g->types, base, "", t->name);
  if (rc) return fail(g, rc, "");
  g->n++;
  *name = t->name;
  return 0;
}

/* ---- schemas ---------------------------------------------------------------------------- */

static int emit(gen *g, const json_t *s, int depth, int indent, bool top);

/* ---- object types repeated across a namespace's tools ----------------------------------- */

/* An object type (with properties, no `$ref` inside) whose text occurs more than once in
 * the tools of one namespace (server-memory's entity in create_entities and read_graph, its
 * relation in three tools) is declared once as an interface and named where it occurs. Found by a walk over the schemas before rendering, keyed by their text (the same
 * text is the same type), at most HOIST_BUDGET bytes of it (and schema nodes looked at) per
 * namespace; past it nothing more is considered, so hostile schemas cost bounded work. */
#define HOIST_BUDGET ((size_t)4 << 20)

typedef struct hoist {
  json_t *by_key; /* text -> {"n": occurrences, "p": first schema, "hint", "item", "name", "done"} */
  json_t *by_ptr; /* "%p" of each schema node walked -> its key */
  json_t *queue;  /* keys named but not declared yet, in order of first use */
  json_t *roots;  /* texts of the tools' whole inputs and outputs walked */
  gen *kg;        /* renders the texts (no hoisting) */
  size_t spent;
} hoist;

static bool plain_object(const json_t *s);
static int object(gen *g, const json_t *s, int depth, int indent);

static void hoist_free(hoist *h) {
  json_decref(h->by_key);
  json_decref(h->by_ptr);
  json_decref(h->queue);
  json_decref(h->roots);
  *h = (hoist){0};
}

/* Whether `s` has a `$ref` anywhere (its text would depend on the root it is in); `*seen`
 * counts the nodes looked at, charged to the budget. */
static bool has_ref(const json_t *s, int depth, size_t *seen) {
  ++*seen;
  if (depth > DW__TS_MAX_DEPTH) return true;
  if (json_is_object(s)) {
    if (json_object_get(s, "$ref")) return true;
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)s, k, v) {
      if (has_ref(v, depth + 1, seen)) return true;
    }
  } else if (json_is_array(s)) {
    for (size_t i = 0; i < json_array_size(s); i++)
      if (has_ref(json_array_get(s, i), depth + 1, seen)) return true;
  }
  return false;
}

/* The text of object type `s` (at `depth`), rendered on one line without hoisting, cached by
 * node; NULL when it is not a candidate (not a plain object, a `$ref` inside, the budget
 * spent, a cap hit). `*err` is set only on DW_E_NOMEM. */
static const char *hoist_key(hoist *h, const json_t *s, int depth, int *err) {
  char ptr[32];
  snprintf(ptr, sizeof ptr, "%p", (const void *)s);
  json_t *c = json_object_get(h->by_ptr, ptr);
  if (c) return json_string_value(c);
  if (!plain_object(s) || h->spent > HOIST_BUDGET) return NULL;
  dw__buf_reset(h->kg->out);
  int rc = object(h->kg, s, depth, 0);
  if (rc == DW_E_NOMEM) {
    *err = rc;
    return NULL;
  }
  h->spent += rc ? HOIST_BUDGET + 1 : h->kg->out->len;
  bool ok = !rc && h->spent <= HOIST_BUDGET && !has_ref(s, depth, &h->spent) && h->spent <= HOIST_BUDGET;
  if (json_object_set_new(h->by_ptr, ptr, ok ? json_string(h->kg->out->data) : json_null())) {
    *err = DW_E_NOMEM;
    return NULL;
  }
  return ok ? json_string_value(json_object_get(h->by_ptr, ptr)) : NULL;
}

/* Counts the object types under `s` (not `s` itself at depth 0) by their text; `hint` is the
 * property that holds it (`item`: as an array's items), for its name. A repeat is not walked
 * into: what it contains is counted once, from its first occurrence; nor is a tool's whole
 * input or output that repeats an earlier one (it is declared once), or its parts would count
 * as repeats too. Only DW_E_NOMEM fails. */
static int hoist_walk(hoist *h, const json_t *s, int depth, const char *hint, bool item) {
  if (!json_is_object(s) || depth > DW__TS_MAX_DEPTH) return 0;
  int rc = 0;
  const char *key = hoist_key(h, s, depth, &rc);
  if (rc) return rc;
  if (key && depth == 0) {
    if (json_object_get(h->roots, key)) return 0;
    if (json_object_set_new(h->roots, key, json_true())) return DW_E_NOMEM;
  } else if (key) {
    json_t *e = json_object_get(h->by_key, key);
    if (e)
      return json_object_set_new(e, "n", json_integer(json_integer_value(json_object_get(e, "n")) + 1))
                 ? DW_E_NOMEM : 0;
    e = json_pack("{s:i,s:I,s:s,s:b}", "n", 1, "p", (json_int_t)(intptr_t)s, "hint", hint ? hint : "",
                  "item", item);
    if (json_object_set_new(h->by_key, key, e)) return DW_E_NOMEM;
  }
  const char *k;
  const json_t *v;
  json_object_foreach((json_t *)json_object_get(s, "properties"), k, v) {
    if (!rc) rc = hoist_walk(h, v, depth + 1, k, false);
  }
  if (!rc) rc = hoist_walk(h, json_object_get(s, "items"), depth + 1, hint, true);
  if (!rc) rc = hoist_walk(h, json_object_get(s, "additionalProperties"), depth + 1, hint, false);
  const char *lists[] = {"anyOf", "oneOf", "allOf", "prefixItems", "items"};
  for (size_t l = 0; l < DW_ARRAY_LEN(lists) && !rc; l++) {
    const json_t *arr = json_object_get(s, lists[l]);
    for (size_t i = 0; json_is_array(arr) && i < json_array_size(arr) && !rc; i++)
      rc = hoist_walk(h, json_array_get(arr, i), depth + 1, hint, l >= 3);
  }
  return rc;
}

/* The name of a repeated type: its property's name in PascalCase, singular when it names an
 * array's items ("entities" -> Entity, "relations" -> Relation; otherwise `...Item`). */
static void hoist_base(const char *hint, bool item, char *out) {
  pascal(*hint ? hint : "item", out);
  size_t n = strlen(out);
  if (!item) return;
  const char *es[] = {"sses", "shes", "ches", "xes", "zes"};
  for (size_t i = 0; i < DW_ARRAY_LEN(es); i++) {
    size_t k = strlen(es[i]);
    if (n > k && strcmp(out + n - k, es[i]) == 0) {
      out[n - 2] = 0;
      return;
    }
  }
  if (n > 3 && strcmp(out + n - 3, "ies") == 0) {
    strcpy(out + n - 3, "y");
  } else if (n > 1 && out[n - 1] == 's' && out[n - 2] != 's' && out[n - 2] != 'u') {
    out[n - 1] = 0;
  } else if (n + 4 <= MAX_IDENT) {
    strcpy(out + n, "Item");
  }
}

/* Names every type seen more than once, in the order first seen. */
static int hoist_name(hoist *h, nameset *types) {
  const char *key;
  json_t *e;
  int rc = 0;
  json_object_foreach(h->by_key, key, e) {
    if (json_integer_value(json_object_get(e, "n")) < 2) continue;
    char base[MAX_IDENT + 8], name[MAX_IDENT + 16];
    hoist_base(json_string_value(json_object_get(e, "hint")), json_is_true(json_object_get(e, "item")), base);
    rc = unique(types, base, "", name);
    if (!rc) rc = json_object_set_new(e, "name", json_string(name));
    if (rc) return DW_E_NOMEM;
  }
  return 0;
}

/* The name `s` (at `depth`) is written as, when its text is that of a repeated type (found by
 * text, not by node: the same text is always written the same way); queues its declaration on
 * first use. NULL otherwise, or when out of memory (then it is written in place). */
static const char *hoisted(gen *g, const json_t *s, int depth) {
  int err = 0;
  const char *key = hoist_key(g->h, s, depth, &err);
  json_t *e = key ? json_object_get(g->h->by_key, key) : NULL;
  const char *name = json_string_value(json_object_get(e, "name"));
  if (name && !json_is_true(json_object_get(e, "done"))) {
    if (json_array_append_new(g->h->queue, json_string(key))) return NULL; /* out of memory:
                                                                                 written in place */
    if (json_object_set_new(e, "done", json_true())) return name; /* may be declared twice */
  }
  return name;
}

/* A TypeScript string literal: JSON's escapes, plus U+2028/U+2029 (line terminators inside a
 * string literal for TypeScript before 5.x) as \u escapes; invalid UTF-8 bytes become `?`. */
static int string_lit(gen *g, const char *s, size_t n) {
  bool utf8 = dw__utf8_valid(s, n);
  int rc = put(g, "\"");
  for (size_t i = 0; i < n && !rc; i++) {
    unsigned char c = (unsigned char)s[i];
    char esc[8];
    if (c == '"' || c == '\\') {
      snprintf(esc, sizeof esc, "\\%c", c);
    } else if (c < 0x20) {
      snprintf(esc, sizeof esc, "\\u%04x", c);
    } else if (c == 0xe2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
               ((unsigned char)s[i + 2] == 0xa8 || (unsigned char)s[i + 2] == 0xa9)) {
      snprintf(esc, sizeof esc, "\\u202%c", s[i + 2] == (char)0xa8 ? '8' : '9');
      i += 2;
    } else {
      esc[0] = (char)(c >= 0x80 && !utf8 ? '?' : c);
      esc[1] = 0;
    }
    rc = put(g, esc);
  }
  if (!rc) rc = put(g, "\"");
  return rc;
}

static int literal(gen *g, const json_t *v) {
  char num[64];
  switch (json_typeof(v)) {
  case JSON_STRING: {
    return string_lit(g, json_string_value(v), json_string_length(v));
  }
  case JSON_INTEGER:
    snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    return put(g, num);
  case JSON_REAL: /* the shortest text that reads back as the same double */
    for (int prec = 1; prec <= 17; prec++) {
      snprintf(num, sizeof num, "%.*g", prec, json_real_value(v));
      if (strtod(num, NULL) == json_real_value(v)) break;
    }
    return put(g, num);
  case JSON_TRUE: return put(g, "true");
  case JSON_FALSE: return put(g, "false");
  case JSON_NULL: return put(g, "null");
  default: return put(g, "unknown"); /* objects and arrays have no literal type */
  }
}

static int object(gen *g, const json_t *s, int depth, int indent) {
  const json_t *props = json_object_get(s, "properties");
  const json_t *req = json_object_get(s, "required");
  const json_t *ap = json_object_get(s, "additionalProperties");
  size_t np = json_is_object(props) ? json_object_size(props) : 0;
  if (np == 0) {
    if (json_is_false(ap)) return put(g, "Record<string, never>");
    int rc = put(g, "{ [key: string]: ");
    if (!rc) rc = json_is_object(ap) ? emit(g, ap, depth + 1, indent, false) : put(g, "unknown");
    if (!rc) rc = put(g, " }");
    return rc;
  }
  /* `required` as a hash set: a hostile schema may list 100,000 names. */
  json_t *reqset = json_object();
  if (!reqset) return fail(g, DW_E_NOMEM, "");
  for (size_t i = 0; json_is_array(req) && i < json_array_size(req); i++) {
    const char *name = json_string_value(json_array_get(req, i));
    if (name && json_object_set_new_nocheck(reqset, name, json_true())) {
      json_decref(reqset);
      return fail(g, DW_E_NOMEM, "");
    }
  }
  /* On one line the last member takes no `;` (`{ a: string; b?: number }`). */
  const char *end = flat(g) ? "" : ";";
  int rc = put(g, "{");
  const char *key;
  json_t *val;
  void *tmp;
  bool first = true;
  json_object_foreach_safe((json_t *)props, tmp, key, val) {
    bool required = json_object_get(reqset, key) != NULL;
    if (!rc && !first) rc = put(g, ";");
    first = false;
    if (!rc) rc = newline(g, indent + 1);
    if (!rc) rc = doc(g, val, NULL, indent + 1);
    if (!rc) rc = is_ident(key) ? put(g, key) : string_lit(g, key, strlen(key));
    if (!rc) rc = put(g, required ? ": " : "?: ");
    if (!rc) rc = emit(g, val, depth + 1, indent + 1, false);
    if (rc) break;
  }
  json_decref(reqset);
  if (rc) return rc;
  /* A typed index signature would have to admit every property's type too: keep `unknown`. */
  if (json_is_object(ap) || json_is_true(ap)) {
    if (json_is_object(ap) || json_object_get(s, "patternProperties")) {
      rc = put(g, ";");
      if (!rc) rc = newline(g, indent + 1);
      if (!rc) rc = put(g, "[key: string]: unknown");
    }
  }
  if (!rc) rc = put(g, end);
  if (!rc) rc = newline(g, indent);
  if (!rc) rc = put(g, "}");
  return rc;
}

static int array(gen *g, const json_t *s, int depth, int indent) {
  const json_t *prefix = json_object_get(s, "prefixItems");
  const json_t *items = json_object_get(s, "items");
  const json_t *rest = items;
  if (!json_is_array(prefix) && json_is_array(items)) { /* draft-07 tuples */
    prefix = items;
    rest = json_object_get(s, "additionalItems");
  }
  if (json_is_array(prefix)) {
    if (json_array_size(prefix) > DW__TS_MAX_UNION) return put(g, "unknown[]");
    json_int_t min = json_integer_value(json_object_get(s, "minItems"));
    int rc = put(g, "[");
    for (size_t i = 0; i < json_array_size(prefix) && !rc; i++) {
      if (i) rc = put(g, ", ");
      if (!rc) rc = emit(g, json_array_get(prefix, i), depth + 1, indent, false);
      if (!rc && (json_int_t)i >= min) rc = put(g, "?");
    }
    if (!rc && !json_is_false(rest)) {
      if (json_array_size(prefix)) rc = put(g, ", ");
      if (!rc) rc = put(g, "...");
      size_t at = g->out->len;
      if (!rc) rc = json_is_object(rest) ? emit(g, rest, depth + 1, indent, false) : put(g, "unknown");
      if (!rc) rc = simple(g, at) ? put(g, "[]") : wrap(g, at, "Array<", ">");
    }
    if (!rc) rc = put(g, "]");
    return rc;
  }
  size_t at = g->out->len;
  int rc = json_is_object(items) || json_is_boolean(items) ? emit(g, items, depth + 1, indent, false)
                                                         : put(g, "unknown");
  if (!rc) rc = simple(g, at) ? put(g, "[]") : wrap(g, at, "Array<", ">");
  return rc;
}

static bool objectish(const json_t *s) {
  return json_object_get(s, "properties") || json_object_get(s, "additionalProperties") ||
         json_object_get(s, "patternProperties");
}

static bool arrayish(const json_t *s) {
  return json_object_get(s, "items") || json_object_get(s, "prefixItems");
}

/* One name of the `type` keyword. */
static int one_type(gen *g, const json_t *s, const char *t, int depth, int indent) {
  if (strcmp(t, "string") == 0) return put(g, "string");
  if (strcmp(t, "number") == 0 || strcmp(t, "integer") == 0) return put(g, "number");
  if (strcmp(t, "boolean") == 0) return put(g, "boolean");
  if (strcmp(t, "null") == 0) return put(g, "null");
  if (strcmp(t, "object") == 0) return object(g, s, depth, indent);
  if (strcmp(t, "array") == 0) return array(g, s, depth, indent);
  return put(g, "unknown");
}

/* The part of a schema `type` (or the keywords that imply one) describes; `*any` false when
 * the schema says nothing about its type. */
static int type_part(gen *g, const json_t *s, int depth, int indent, bool *any) {
  const json_t *t = json_object_get(s, "type");
  bool nullable = json_is_true(json_object_get(s, "nullable"));
  int rc = 0;
  *any = true;
  if (json_is_string(t)) {
    rc = one_type(g, s, json_string_value(t), depth, indent);
  } else if (json_is_array(t) && json_array_size(t) > 0 && json_array_size(t) <= DW__TS_MAX_UNION) {
    for (size_t i = 0; i < json_array_size(t) && !rc; i++) {
      if (i) rc = put(g, " | ");
      const char *name = json_string_value(json_array_get(t, i));
      if (!rc) rc = one_type(g, s, name ? name : "", depth, indent);
    }
  } else if (objectish(s)) {
    rc = object(g, s, depth, indent);
  } else if (arrayish(s)) {
    rc = array(g, s, depth, indent);
  } else if (json_is_array(t)) {
    rc = put(g, "unknown"); /* an empty or huge type list */
  } else {
    *any = false;
    return 0;
  }
  if (!rc && nullable) rc = put(g, " | null");
  return rc;
}

/* The literal part: `const`, else `enum` (when not longer than DW__TS_MAX_ENUM). */
static int literal_part(gen *g, const json_t *s, bool *any) {
  const json_t *c = json_object_get(s, "const");
  const json_t *e = json_object_get(s, "enum");
  *any = true;
  if (c) return literal(g, c);
  if (json_is_array(e) && json_array_size(e) <= DW__TS_MAX_ENUM) {
    if (json_array_size(e) == 0) return put(g, "never");
    int rc = 0;
    for (size_t i = 0; i < json_array_size(e) && !rc; i++) {
      if (i) rc = put(g, " | ");
      if (!rc) rc = literal(g, json_array_get(e, i));
    }
    if (!rc && json_is_true(json_object_get(s, "nullable"))) rc = put(g, " | null");
    return rc;
  }
  *any = false;
  return 0;
}

static int members(gen *g, const json_t *list, const char *sep, int depth, int indent, bool top) {
  if (json_array_size(list) > DW__TS_MAX_UNION) return put(g, "unknown");
  if (json_array_size(list) == 0) return put(g, "unknown");
  int rc = 0;
  for (size_t i = 0; i < json_array_size(list) && !rc; i++) {
    if (i) rc = put(g, sep);
    size_t at = g->out->len;
    if (!rc) rc = emit(g, json_array_get(list, i), depth + 1, indent, top);
    if (!rc && sep[1] == '&' && top_union(g, at)) rc = wrap(g, at, "(", ")");
  }
  return rc;
}

static int ref(gen *g, const json_t *s, const char *r, int depth, int indent, bool top) {
  char last[512];
  const json_t *target = resolve(g, r, last, sizeof last);
  int rc;
  if (!target) {
    rc = put(g, "unknown"); /* remote, malformed or dangling */
  } else if (top) {
    /* `type A = B | ...` must not come back to A through aliases alone: expand instead. */
    bool cycle = false;
    for (size_t i = 0; i < g->n_inl; i++) cycle = cycle || g->inl[i] == target;
    if (cycle || g->n_inl >= DW_ARRAY_LEN(g->inl)) {
      rc = put(g, "unknown");
    } else {
      g->inl[g->n_inl++] = target;
      rc = emit(g, target, depth + 1, indent, true);
      g->n_inl--;
    }
  } else {
    const char *name = NULL;
    rc = named_for(g, target, last[0] ? last : "Root", &name);
    if (!rc) rc = put(g, name);
  }
  if (!rc && json_is_true(json_object_get(s, "nullable"))) rc = put(g, " | null");
  return rc;
}

/* Renders schema `s` as a type expression. `top`: at the top of a type alias (outside any
 * object or array), where a `$ref` is expanded rather than named. */
static int emit(gen *g, const json_t *s, int depth, int indent, bool top) {
  if (depth > DW__TS_MAX_DEPTH) {
    char msg[96];
    snprintf(msg, sizeof msg, "the schema is nested deeper than %d levels", DW__TS_MAX_DEPTH);
    return fail(g, DW_E_TOO_LARGE, msg);
  }
  if (json_is_false(s)) return put(g, "never");
  if (!json_is_object(s)) return put(g, "unknown"); /* `true`, or junk */
  const char *hn = g->h && depth > 0 ? hoisted(g, s, depth) : NULL;
  if (hn) return put(g, hn);
  const char *r = json_string_value(json_object_get(s, "$ref"));
  if (r) return ref(g, s, r, depth, indent, top);

  /* Conjuncts: literal-or-type, anyOf/oneOf (a union each), allOf members; joined by `&`. */
  const json_t *any = json_object_get(s, "anyOf"), *one = json_object_get(s, "oneOf");
  const json_t *all = json_object_get(s, "allOf");
  int rc = 0, n = 0;
  bool got;
  size_t at = g->out->len;
  rc = literal_part(g, s, &got);
  if (!rc && !got) rc = type_part(g, s, depth, indent, &got);
  n += got;
  const json_t *unions[] = {json_is_array(any) ? any : NULL, json_is_array(one) ? one : NULL};
  for (int i = 0; i < 2 && !rc; i++) {
    if (!unions[i]) continue;
    if (n && top_union(g, at)) rc = wrap(g, at, "(", ")");
    if (!rc && n) rc = put(g, " & ");
    size_t m = g->out->len;
    if (!rc) rc = members(g, unions[i], " | ", depth, indent, top);
    if (!rc && n && top_union(g, m)) rc = wrap(g, m, "(", ")");
    n++;
  }
  if (!rc && json_is_array(all)) {
    if (n && top_union(g, at)) rc = wrap(g, at, "(", ")");
    if (!rc && n) rc = put(g, " & ");
    if (!rc) rc = members(g, all, " & ", depth, indent, top);
    n++;
  }
  if (!rc && n == 0) rc = put(g, "unknown");
  return rc;
}

/* Whether `s` renders as a plain object literal, so that it can be an `interface`. */
static bool plain_object(const json_t *s) {
  if (!json_is_object(s)) return false;
  const char *keys[] = {"$ref", "const", "enum", "anyOf", "oneOf", "allOf", "nullable"};
  for (size_t i = 0; i < DW_ARRAY_LEN(keys); i++)
    if (json_object_get(s, keys[i])) return false;
  const json_t *t = json_object_get(s, "type");
  if (t && !(json_is_string(t) && strcmp(json_string_value(t), "object") == 0)) return false;
  const json_t *props = json_object_get(s, "properties");
  return json_is_object(props) && json_object_size(props) > 0;
}

/* `interface Name {...}` or `type Name = ...;` for `s`, at `indent`. */
static int declare(gen *g, const char *name, const json_t *s, int indent) {
  int rc = doc(g, s, NULL, indent);
  if (!rc && plain_object(s)) {
    rc = put(g, "interface ");
    if (!rc) rc = put(g, name);
    if (!rc) rc = put(g, " ");
    if (!rc) rc = object(g, s, 0, indent);
  } else if (!rc) {
    rc = put(g, "type ");
    if (!rc) rc = put(g, name);
    if (!rc) rc = put(g, " = ");
    g->n_inl = 0;
    g->inl[g->n_inl++] = s;
    if (!rc) rc = emit(g, s, 0, indent, true);
    if (!rc) rc = put(g, ";");
  }
  return rc;
}

/* Declares the root `name` = `schema` and every named type it reaches, each followed by a
 * newline at `indent`. `types` is the scope's taken names; `name` must already be in it. */
static int gen_root(const json_t *schema, const char *name, nameset *types, int indent,
                    bool compact, bool examples, dw_buf *out, char *why, size_t why_len) {
  gen g = {.out = out, .root = schema, .types = types, .prefix = name, .compact = compact,
           .examples = examples, .why = why, .why_len = why_len};
  g.v = calloc(DW__TS_MAX_TYPES + 1, sizeof *g.v);
  if (!g.v) return fail(&g, DW_E_NOMEM, "");
  /* The root is named too, so that `"$ref": "#"` is the root's own name. */
  snprintf(g.v[0].name, sizeof g.v[0].name, "%s", name);
  g.v[0].schema = schema;
  g.v[0].done = true;
  g.n = 1;
  int rc = 0;
  for (size_t i = 0; i < g.n && !rc; i++) { /* g.n grows as named types are found */
    for (int k = 0; k < indent && !rc; k++) rc = put(&g, "  ");
    if (!rc) rc = declare(&g, g.v[i].name, g.v[i].schema, indent);
    if (!rc) rc = put(&g, "\n");
  }
  free(g.v);
  return rc;
}

/* Drops whatever was appended to `b` after `len`. */
static void rollback(dw_buf *b, size_t len) {
  b->len = len;
  if (b->data) b->data[len] = 0;
}

int dw__ts_from_schema(const json_t *schema, const char *type_name, dw_buf *out, char *why,
                       size_t why_len) {
  if (why && why_len) why[0] = 0;
  if (!type_name || !is_ident(type_name) || is_reserved(type_name) ||
      strlen(type_name) > MAX_IDENT) {
    if (why && why_len) snprintf(why, why_len, "the type name is not a valid identifier");
    return DW_E_BAD_REQUEST;
  }
  nameset types = {0};
  size_t len = out->len;
  int rc = names_add(&types, type_name);
  if (!rc) rc = gen_root(schema, type_name, &types, 0, false, false, out, why, why_len);
  else if (why && why_len) snprintf(why, why_len, "out of memory");
  if (rc) rollback(out, len);
  names_free(&types);
  return rc;
}

/* ---- the API ---------------------------------------------------------------------------- */

/* The generated names of one server: its namespace and each tool's method. */
typedef struct {
  char ns[MAX_IDENT + 16];
  char (*method)[MAX_IDENT + 16];
} server_names;

static int name_servers(const dw__ts_server *servers, size_t n, server_names *sn) {
  nameset spaces = {0};
  int rc = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    char id[MAX_IDENT + 2];
    sanitise(servers[i].name, id);
    rc = unique(&spaces, id, "", sn[i].ns);
    nameset fns = {0};
    sn[i].method = calloc(servers[i].n_tools + 1, sizeof *sn[i].method);
    if (!sn[i].method) rc = DW_E_NOMEM;
    for (size_t t = 0; t < servers[i].n_tools && !rc; t++) {
      sanitise(servers[i].tools[t].name, id);
      rc = unique(&fns, id, "", sn[i].method[t]);
    }
    names_free(&fns);
  }
  names_free(&spaces);
  return rc;
}

static void free_names(server_names *sn, size_t n) {
  for (size_t i = 0; sn && i < n; i++) free(sn[i].method);
  free(sn);
}

static int check_input(const dw__ts_server *servers, size_t n, char *why, size_t why_len) {
  if (n > DW__TS_MAX_SERVERS) {
    snprintf(why, why_len, "more than %d servers", DW__TS_MAX_SERVERS);
    return DW_E_TOO_LARGE;
  }
  for (size_t i = 0; i < n; i++) {
    if (!servers[i].name || (servers[i].n_tools && !servers[i].tools)) {
      snprintf(why, why_len, "server %zu has no name or no tool list", i);
      return DW_E_BAD_REQUEST;
    }
    if (servers[i].n_tools > DW__TS_MAX_TOOLS) {
      snprintf(why, why_len, "server \"%.64s\" lists more than %d tools", servers[i].name,
               DW__TS_MAX_TOOLS);
      return DW_E_TOO_LARGE;
    }
    for (size_t t = 0; t < servers[i].n_tools; t++) {
      if (!servers[i].tools[t].name) {
        snprintf(why, why_len, "tool %zu of server \"%.64s\" has no name", t, servers[i].name);
        return DW_E_BAD_REQUEST;
      }
    }
  }
  return 0;
}

/* One schema of a tool, rendered for the API: the type expression (`text`, an object literal
 * on one line, a union, ...), the schema's own doc comment, and the declarations of the named
 * types it reaches (`$ref` targets). A type that one function alone uses is written inline in
 * its signature; one that several share is declared once, named after its first use. */
typedef struct {
  char name[MAX_IDENT + 16]; /* reserved for it: XInput, XOutput */
  char *doc, *text, *decls;  /* owned; NULL when the type is a fixed one (`fixed`) */
  const char *fixed;         /* "unknown", "Record<string, unknown>": no schema to show */
  bool iface;                /* text is a plain object literal: declared as an `interface` */
  size_t first;              /* the first type of the namespace with the same doc and text */
  size_t uses;               /* (of a first) how many types have its doc and text */
} tool_type;

static void tool_type_free(tool_type *tt) {
  free(tt->doc);
  free(tt->text);
  free(tt->decls);
  tt->doc = tt->text = tt->decls = NULL;
}

/* Renders `schema` into `tt` (whose name is set and taken in `types`). On a cap the type
 * becomes `unknown` and `note` says why; only DW_E_NOMEM fails. */
static int tool_type_render(const json_t *schema, tool_type *tt, nameset *types, hoist *h,
                            const dw__ts_opts *o, char *note, size_t note_len,
                            const char *what) {
  char why[160] = "";
  dw_buf d, t, x;
  dw__buf_init(&d, DW__TS_MAX_DOC * 8 + 1024);
  dw__buf_init(&t, DW__TS_MAX_SCHEMA_OUT);
  dw__buf_init(&x, DW__TS_MAX_SCHEMA_OUT);
  gen g = {.out = &d, .root = schema, .types = types, .prefix = tt->name, .compact = o->compact,
           .examples = o->examples, .oneline = true, .h = h, .why = why, .why_len = sizeof why};
  g.v = calloc(DW__TS_MAX_TYPES + 1, sizeof *g.v);
  size_t queued = json_array_size(h->queue);
  int rc = g.v ? 0 : fail(&g, DW_E_NOMEM, "");
  if (!rc) {
    snprintf(g.v[0].name, sizeof g.v[0].name, "%s", tt->name);
    g.v[0].schema = schema;
    g.v[0].done = true;
    g.n = 1;
    rc = doc(&g, schema, NULL, 0);
  }
  if (!rc) {
    g.out = &t;
    tt->iface = plain_object(schema);
    if (tt->iface) {
      rc = object(&g, schema, 0, 0);
    } else {
      g.inl[g.n_inl++] = schema;
      rc = emit(&g, schema, 0, 0, true);
    }
  }
  if (!rc && g.root_ref) {
    /* `"$ref": "#"`: the root needs its name, so it is declared like its targets. */
    dw__buf_reset(&d);
    dw__buf_reset(&t);
    rc = chk(&g, dw__buf_puts(&t, tt->name));
    if (!rc) {
      g.out = &x;
      rc = declare(&g, tt->name, schema, 0);
      if (!rc) rc = put(&g, "\n");
    }
  }
  g.out = &x;
  for (size_t i = 1; i < g.n && !rc; i++) { /* g.n grows as named types are found */
    rc = declare(&g, g.v[i].name, g.v[i].schema, 0);
    if (!rc) rc = put(&g, "\n");
  }
  /* The repeated types this one is the first to use (the queue grows as they use others). */
  for (size_t i = queued; i < json_array_size(h->queue) && !rc; i++) {
    json_t *e = json_object_get(h->by_key, json_string_value(json_array_get(h->queue, i)));
    const json_t *hs = (const json_t *)(intptr_t)json_integer_value(json_object_get(e, "p"));
    rc = put(&g, "interface ");
    if (!rc) rc = put(&g, json_string_value(json_object_get(e, "name")));
    if (!rc) rc = put(&g, " ");
    if (!rc) rc = object(&g, hs, 1, 0);
    if (!rc) rc = put(&g, "\n");
  }
  free(g.v);
  if (rc && rc != DW_E_NOMEM) {
    /* Whatever it queued is declared by nobody now: forget them, later uses queue again. */
    while (json_array_size(h->queue) > queued) {
      size_t last = json_array_size(h->queue) - 1;
      json_t *e = json_object_get(h->by_key, json_string_value(json_array_get(h->queue, last)));
      json_object_del(e, "done");
      json_array_remove(h->queue, last);
    }
    tt->fixed = "unknown";
    size_t k = strlen(note);
    snprintf(note + k, note_len - k, "%s(%s schema not shown: %s)", k ? " " : "", what, why);
    rc = 0;
  } else if (!rc) {
    tt->doc = dw__buf_steal(&d, NULL);
    tt->text = dw__buf_steal(&t, NULL);
    tt->decls = dw__buf_steal(&x, NULL);
    if (!tt->doc || !tt->text || !tt->decls) rc = DW_E_NOMEM;
  }
  dw__buf_free(&d);
  dw__buf_free(&t);
  dw__buf_free(&x);
  return rc;
}

/* Links each type to the first one with the same doc and text (`first`, `uses`): a hash of
 * doc + text, so that thousands of tools cost no quadratic scan. */
static int share_types(tool_type *tt, size_t n) {
  json_t *seen = json_object();
  int rc = seen ? 0 : DW_E_NOMEM;
  dw_buf k;
  dw__buf_init(&k, 2 * DW__TS_MAX_SCHEMA_OUT);
  for (size_t i = 0; i < n && !rc; i++) {
    tt[i].first = i;
    tt[i].uses = 1;
    if (tt[i].fixed) continue;
    dw__buf_reset(&k);
    rc = dw__buf_puts(&k, tt[i].doc);
    if (!rc) rc = dw__buf_puts(&k, tt[i].text);
    if (rc) break;
    json_t *at = json_object_get(seen, k.data);
    if (at) {
      tt[i].first = (size_t)json_integer_value(at);
      tt[tt[i].first].uses++;
    } else if (json_object_set_new_nocheck(seen, k.data, json_integer((json_int_t)i))) {
      rc = DW_E_NOMEM;
    }
  }
  dw__buf_free(&k);
  json_decref(seen);
  return rc ? DW_E_NOMEM : 0;
}

/* Whether type `i` is declared under its name: several functions use it, and its text is
 * longer than its name (otherwise writing it each time costs less). */
static bool shared(const tool_type *tt, size_t i) {
  const tool_type *f = &tt[tt[i].first];
  return f->uses > 1 && strlen(f->doc) + strlen(f->text) > strlen(f->name);
}

/* How a signature refers to type `i`: its first's name when shared, else the type itself. */
static int type_ref(gen *g, const tool_type *tt, size_t i) {
  const tool_type *f = &tt[tt[i].first];
  if (tt[i].fixed) return put(g, tt[i].fixed);
  if (shared(tt, i)) return put(g, f->name);
  int rc = put(g, tt[i].doc);
  if (!rc) rc = put(g, tt[i].text);
  return rc;
}

/* After the function that first uses type `i`: its declaration when shared, then the
 * declarations of its named types. */
static int type_decls(gen *g, const tool_type *tt, size_t i) {
  if (tt[i].fixed || tt[i].first != i) return 0;
  int rc = 0;
  if (shared(tt, i)) {
    rc = put(g, tt[i].doc);
    if (!rc) rc = put(g, tt[i].iface ? "interface " : "type ");
    if (!rc) rc = put(g, tt[i].name);
    if (!rc) rc = put(g, tt[i].iface ? " " : " = ");
    if (!rc) rc = put(g, tt[i].text);
    if (!rc) rc = put(g, tt[i].iface ? "\n" : ";\n");
  }
  if (!rc) rc = put(g, tt[i].decls);
  return rc;
}

/* The declarations of server `i`'s tools t0..t1 (their names taken for every tool, shown or
 * not, so that describe() names them as the API does), one line each, after the function
 * that first uses it. */
static int api_server(gen *g, const dw__ts_server *s, const server_names *sn, size_t t0,
                      size_t t1, const dw__ts_opts *o) {
  nameset types = {0};
  size_t nt = 2 * (t1 - t0);
  tool_type *tt = calloc(nt + 1, sizeof *tt);
  char(*notes)[400] = calloc(t1 - t0 + 1, sizeof *notes);
  hoist h = {.by_key = json_object(), .by_ptr = json_object(), .queue = json_array(),
             .roots = json_object()};
  dw_buf kb;
  dw__buf_init(&kb, HOIST_BUDGET);
  char kwhy[160];
  gen kg = {.out = &kb, .compact = o->compact, .examples = o->examples, .oneline = true,
            .why = kwhy, .why_len = sizeof kwhy};
  h.kg = &kg;
  int rc = tt && notes && h.by_key && h.by_ptr && h.queue && h.roots ? 0 : DW_E_NOMEM;
  for (size_t t = 0; !rc && t < s->n_tools; t++) {
    char pas[MAX_IDENT + 2], in[MAX_IDENT + 16], res[MAX_IDENT + 16];
    pascal(sn->method[t], pas);
    rc = unique(&types, pas, "Input", in);
    if (!rc) rc = unique(&types, pas, "Output", res);
    if (rc || t < t0 || t >= t1) continue;
    snprintf(tt[2 * (t - t0)].name, sizeof tt[0].name, "%s", in);
    snprintf(tt[2 * (t - t0) + 1].name, sizeof tt[0].name, "%s", res);
    if (!o->names_only) rc = hoist_walk(&h, s->tools[t].input_schema, 0, NULL, false);
    if (!rc && !o->names_only) rc = hoist_walk(&h, s->tools[t].output_schema, 0, NULL, false);
  }
  if (!rc) rc = hoist_name(&h, &types);
  for (size_t t = t0; !rc && t < t1; t++) {
    const dw__ts_tool *tool = &s->tools[t];
    tool_type *ti = &tt[2 * (t - t0)], *to = ti + 1;
    char *note = notes[t - t0];
    if (o->names_only || !tool->input_schema)
      ti->fixed = "Record<string, unknown>";
    else
      rc = tool_type_render(tool->input_schema, ti, &types, &h, o, note, sizeof notes[0], "input");
    if (!rc && (o->names_only || !tool->output_schema))
      to->fixed = "unknown";
    else if (!rc)
      rc = tool_type_render(tool->output_schema, to, &types, &h, o, note, sizeof notes[0], "output");
  }
  if (!rc) rc = share_types(tt, nt);
  for (size_t t = t0; t < t1 && !rc; t++) {
    const dw__ts_tool *tool = &s->tools[t];
    size_t k = 2 * (t - t0);
    /* All inputs optional (or none declared): the argument may be left out. */
    bool opt = !tool->input_schema || o->names_only ||
               json_array_size(json_object_get(tool->input_schema, "required")) == 0;
    json_t *d = json_pack("{s:s}", "description", tool->description ? tool->description : "");
    rc = d ? doc(g, d, notes[t - t0], 0) : DW_E_NOMEM;
    json_decref(d);
    if (!rc) rc = put(g, "function ");
    if (!rc) rc = put(g, sn->method[t]);
    if (!rc) rc = put(g, opt ? "(input?: " : "(input: ");
    if (!rc) rc = type_ref(g, tt, k);
    if (!rc) rc = put(g, "): Promise<");
    if (!rc) rc = type_ref(g, tt, k + 1);
    if (!rc) rc = put(g, ">;\n");
    if (!rc) rc = type_decls(g, tt, k);
    if (!rc) rc = type_decls(g, tt, k + 1);
  }
  for (size_t k = 0; tt && k < nt; k++) tool_type_free(&tt[k]);
  free(tt);
  free(notes);
  hoist_free(&h);
  dw__buf_free(&kb);
  names_free(&types);
  return rc;
}

/* Appends the API, or with `only` set, the one tool whose generated name is `only`. */
static int api(const dw__ts_server *servers, size_t n, const dw__ts_opts *o, const char *only,
               dw_buf *out) {
  static const dw__ts_opts none;
  if (!o) o = &none;
  char scratch[160];
  char *why = o->why && o->why_len ? o->why : scratch;
  size_t why_len = o->why && o->why_len ? o->why_len : sizeof scratch;
  why[0] = 0;
  int rc = check_input(servers, n, why, why_len);
  if (rc) return rc;
  server_names *sn = calloc(n + 1, sizeof *sn);
  if (!sn) return DW_E_NOMEM;
  rc = name_servers(servers, n, sn);
  size_t start = out->len;
  bool found = false;
  gen g = {.out = out, .compact = o->compact, .oneline = true, .why = why, .why_len = why_len};
  bool listed = o->listing && !only;
  if (listed) {
    /* Names only, a few tokens a tool: describe() gives the declarations. */
    if (!rc) rc = put(&g, "interface Tools { [tool: string]: { (input?: Record<string, unknown>): Promise<unknown> } }\n");
    for (size_t i = 0; i < n && !rc; i++) {
      rc = put(&g, "declare const ");
      if (!rc) rc = put(&g, sn[i].ns);
      if (!rc) rc = put(&g, ": Tools; //");
      for (size_t t = 0; !rc && t < servers[i].n_tools; t++) {
        rc = put(&g, t ? ", " : " ");
        if (!rc) rc = put(&g, sn[i].method[t]);
      }
      if (!rc) rc = put(&g, "\n");
    }
  }
  for (size_t i = 0; i < n && !rc && !listed; i++) {
    const dw__ts_server *s = &servers[i];
    size_t t0 = 0, t1 = s->n_tools;
    if (only) {
      size_t nl = strlen(sn[i].ns);
      if (strncmp(only, sn[i].ns, nl) != 0 || only[nl] != '.') continue;
      for (t0 = 0; t0 < t1 && strcmp(only + nl + 1, sn[i].method[t0]) != 0; t0++) {}
      if (t0 == t1) continue;
      t1 = t0 + 1;
      found = true;
    }
    if (s->description && !only) {
      json_t *d = json_pack("{s:s}", "description", s->description);
      rc = d ? doc(&g, d, NULL, 0) : DW_E_NOMEM;
      json_decref(d);
    }
    if (!rc) rc = put(&g, "declare namespace ");
    if (!rc) rc = put(&g, sn[i].ns);
    if (!rc) rc = put(&g, " {\n");
    if (!rc) rc = api_server(&g, s, &sn[i], t0, t1, o);
    if (!rc) rc = put(&g, "}\n");
  }
  if (!rc && only && !found) {
    snprintf(why, why_len, "no tool is named \"%.100s\"", only);
    rc = DW_E_NOT_FOUND;
  }
  if (rc) rollback(out, start);
  if (rc == DW_E_NOMEM) snprintf(why, why_len, "out of memory");
  free_names(sn, n);
  return rc;
}

int dw__ts_api(const dw__ts_server *servers, size_t n, const dw__ts_opts *o, dw_buf *out) {
  return api(servers, n, o, NULL, out);
}

int dw__ts_describe_tool(const dw__ts_server *servers, size_t n, const char *name,
                         const dw__ts_opts *o, dw_buf *out) {
  if (!name) return DW_E_BAD_REQUEST;
  return api(servers, n, o, name, out);
}

int dw__ts_lookup(const dw__ts_server *servers, size_t n, const char *name, size_t *server,
                  size_t *tool) {
  char why[160];
  int rc = name ? check_input(servers, n, why, sizeof why) : DW_E_BAD_REQUEST;
  if (rc) return rc;
  server_names *sn = calloc(n + 1, sizeof *sn);
  rc = sn ? name_servers(servers, n, sn) : DW_E_NOMEM;
  if (!rc) rc = DW_E_NOT_FOUND;
  for (size_t i = 0; i < n && rc == DW_E_NOT_FOUND; i++) {
    size_t nl = strlen(sn[i].ns);
    if (strncmp(name, sn[i].ns, nl) != 0 || name[nl] != '.') continue;
    for (size_t t = 0; t < servers[i].n_tools && rc == DW_E_NOT_FOUND; t++) {
      if (strcmp(name + nl + 1, sn[i].method[t]) == 0) {
        *server = i;
        *tool = t;
        rc = 0;
      }
    }
  }
  free_names(sn, n);
  return rc;
}

size_t dw__ts_tokens(size_t bytes) { return bytes / 4 + (bytes % 4 != 0); }

/* ---- search ----------------------------------------------------------------------------- */

static bool contains_ci(const char *hay, const char *needle, size_t n) {
  if (!hay) return false;
  for (; *hay; hay++)
    if (strncasecmp(hay, needle, n) == 0) return true;
  return false;
}

typedef struct {
  size_t server, tool;
  int score;
} hit;

static int by_score(const void *a, const void *b) {
  const hit *x = a, *y = b;
  if (x->score != y->score) return y->score - x->score;
  if (x->server != y->server) return x->server < y->server ? -1 : 1;
  return x->tool < y->tool ? -1 : x->tool > y->tool;
}

int dw__ts_search(const dw__ts_server *servers, size_t n, const char *query, size_t max,
                  dw_buf *out) {
  char why[160];
  int rc = check_input(servers, n, why, sizeof why);
  if (rc) return rc;
  if (query && strlen(query) > DW__TS_MAX_QUERY) return DW_E_TOO_LARGE;
  size_t total = 0;
  for (size_t i = 0; i < n; i++) total += servers[i].n_tools;
  server_names *sn = calloc(n + 1, sizeof *sn);
  hit *hits = calloc(total + 1, sizeof *hits);
  json_t *arr = json_array();
  size_t nh = 0, start = out->len;
  rc = sn && hits && arr ? name_servers(servers, n, sn) : DW_E_NOMEM;
  for (size_t i = 0; i < n && !rc; i++) {
    for (size_t t = 0; t < servers[i].n_tools; t++) {
      const dw__ts_tool *tool = &servers[i].tools[t];
      int score = 0;
      for (const char *q = query ? query : ""; *q;) {
        q += strspn(q, " \t\r\n,.;:");
        size_t wl = strcspn(q, " \t\r\n,.;:");
        if (!wl) break;
        if (contains_ci(sn[i].method[t], q, wl) || contains_ci(tool->name, q, wl) ||
            contains_ci(sn[i].ns, q, wl))
          score += 3;
        else if (contains_ci(tool->description, q, wl))
          score += 1;
        q += wl;
      }
      if (score > 0) hits[nh++] = (hit){i, t, score};
    }
  }
  if (!rc) qsort(hits, nh, sizeof *hits, by_score);
  for (size_t k = 0; k < nh && k < max && !rc; k++) {
    char full[2 * (MAX_IDENT + 16) + 2];
    snprintf(full, sizeof full, "%s.%s", sn[hits[k].server].ns,
             sn[hits[k].server].method[hits[k].tool]);
    const char *d = servers[hits[k].server].tools[hits[k].tool].description;
    json_t *o = json_pack("{s:s,s:s}", "name", full, "description", d ? d : "");
    rc = o ? json_array_append_new(arr, o) : DW_E_NOMEM;
    if (rc) rc = DW_E_NOMEM;
  }
  char *s = rc ? NULL : json_dumps(arr, JSON_COMPACT);
  if (!rc) rc = s ? dw__buf_puts(out, s) : DW_E_NOMEM;
  if (rc) rollback(out, start);
  free(s);
  json_decref(arr);
  free(hits);
  free_names(sn, n);
  return rc;
}
