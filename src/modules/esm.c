/* ES module statements (import / export) and assembly of the classic-script output.
 * Output contract (consumed by linker.js):
 *   (function*(__dw_m){"use strict";<prologue>yield;<body>\n})
 * with `async function*` when the module uses top-level await; asked for a plain wrapper
 * (DW__TRANSFORM_PLAIN), a simple module (no import, re-export or import()) without top-level
 * await is (function(__dw_m){"use strict";<prologue><body>\n}): a main module that nothing links
 * runs its prologue and body in one call (runtime.js), without the engine's generator
 * machinery, which each realm links for itself. */
#include <string.h>
#include "modules/parse.h"

#define TRY(x)                \
  do {                        \
    int rc_ = (x);            \
    if (rc_) return rc_;      \
  } while (0)

static const dw__tok *pk(dw__ps *ps) { return dw__peek(ps, false); }
static void take(dw__ps *ps) {
  dw__peek(ps, false);
  dw__next(ps);
}

/* ---- a small hash map from byte strings (offsets into some base) to indexes ---------- */

typedef struct {
  dw__str *k;
  int32_t *v;
  uint32_t n, cap;
  uint32_t *tab, tcap;
} hmap;

static uint32_t hbytes(const char *p, uint32_t n) {
  uint32_t h = 2166136261u;
  for (uint32_t i = 0; i < n; i++) h = (h ^ (unsigned char)p[i]) * 16777619u;
  return h;
}

static int32_t hmap_get(const hmap *m, const char *base, const char *p, uint32_t n) {
  if (!m->tcap) return -1;
  for (uint32_t i = hbytes(p, n) & (m->tcap - 1);; i = (i + 1) & (m->tcap - 1)) {
    uint32_t s = m->tab[i];
    if (!s) return -1;
    const dw__str *k = &m->k[s - 1];
    if (k->len == n && memcmp(base + k->off, p, n) == 0) return m->v[s - 1];
  }
}

static int hmap_put(hmap *m, const char *base, dw__str key, int32_t v) {
  if ((m->n + 1) * 2 > m->tcap) {
    uint32_t nc = m->tcap ? m->tcap * 2 : 32;
    uint32_t *t = calloc(nc, sizeof *t);
    if (!t) return DW_E_NOMEM;
    for (uint32_t j = 0; j < m->n; j++) {
      uint32_t i = hbytes(base + m->k[j].off, m->k[j].len) & (nc - 1);
      while (t[i]) i = (i + 1) & (nc - 1);
      t[i] = j + 1;
    }
    free(m->tab);
    m->tab = t;
    m->tcap = nc;
  }
  uint32_t cap = m->cap;
  TRY(dw__grow_arr((void **)&m->k, &m->cap, sizeof *m->k, m->n + 1));
  if (cap != m->cap) {
    int32_t *nv = realloc(m->v, m->cap * sizeof *nv);
    if (!nv) return DW_E_NOMEM;
    m->v = nv;
  }
  m->k[m->n] = key;
  m->v[m->n] = v;
  uint32_t i = hbytes(base + key.off, key.len) & (m->tcap - 1);
  while (m->tab[i]) i = (i + 1) & (m->tcap - 1);
  m->tab[i] = ++m->n;
  return 0;
}

static void hmap_free(hmap *m) {
  free(m->k);
  free(m->v);
  free(m->tab);
  memset(m, 0, sizeof *m);
}

/* ---- requests, bindings, exports --------------------------------------------------- */

static int add_req(dw__ps *ps, const dw__tok *t, int32_t *out) {
  dw__str spec;
  TRY(dw__decode_str(ps, t, &spec));
  for (uint32_t i = 0; i < ps->nrq; i++) { /* few requests per module: linear is fine */
    const dw__str *o = &ps->rq[i].spec;
    if (o->len == spec.len && memcmp(ps->strs.data + o->off, ps->strs.data + spec.off, spec.len) == 0) {
      *out = (int32_t)i;
      return 0;
    }
  }
  if (ps->nrq >= 10000) return dw__fail(ps, t->s, "too many imports in one module (max 10000)");
  TRY(DW__GROW(ps, ps->rq, ps->nrq, ps->crq));
  memset(&ps->rq[ps->nrq], 0, sizeof ps->rq[0]);
  ps->rq[ps->nrq].spec = spec;
  *out = (int32_t)ps->nrq++;
  return 0;
}

static int add_binding(dw__ps *ps, const dw__tok *local, const dw__str *imported, uint8_t kind) {
  if (local->type != DW_TK_IDENT)
    return dw__fail(ps, local->s, "Expected an identifier as the local name of an import");
  int32_t id;
  TRY(dw__ps_add_name(ps, local->s, local->e, &id));
  if (ps->name_bind[id] >= 0)
    return dw__fail(ps, local->s, "Identifier '%.*s' has already been declared",
                    (int)DW_MIN(local->e - local->s, 100u), ps->src + local->s);
  TRY(DW__GROW(ps, ps->bd, ps->nbd, ps->cbd));
  dw__binding *b = &ps->bd[ps->nbd];
  memset(b, 0, sizeof *b);
  b->ls = local->s;
  b->le = local->e;
  b->req = -1;
  b->kind = kind;
  if (imported) b->imported = *imported;
  ps->name_bind[id] = (int32_t)ps->nbd++;
  return 0;
}

static int add_export(dw__ps *ps, uint8_t kind, dw__str name, dw__str local, int32_t req) {
  TRY(DW__GROW(ps, ps->ex, ps->nex, ps->cex));
  dw__export *x = &ps->ex[ps->nex++];
  memset(x, 0, sizeof *x);
  x->kind = kind;
  x->name = name;
  x->local = local;
  x->req = req;
  x->bind = -1;
  return 0;
}

/* The exported/imported name of a specifier: an identifier or a string literal. */
static int spec_name(dw__ps *ps, const dw__tok *t, dw__str *out) {
  if (t->type == DW_TK_STR) return dw__decode_str(ps, t, out);
  if (t->type == DW_TK_IDENT) return dw__add_str(ps, ps->src + t->s, t->e - t->s, out);
  return dw__fail(ps, t->s, "Expected a name in the import/export list");
}

int dw__set_default_local(dw__ps *ps, uint32_t s, uint32_t e) {
  if (ps->dflt_export < 0) return 0;
  dw__export *x = &ps->ex[ps->dflt_export];
  ps->dflt_export = -1;
  if (s == e) return dw__add_str(ps, "__dw_default", 12, &x->local);
  return dw__add_str(ps, ps->src + s, e - s, &x->local);
}

/* `with { type: "json" }` / `assert {...}` after a specifier: accepted and ignored. */
static int skip_attributes(dw__ps *ps) {
  const dw__tok *p = pk(ps);
  if (!((dw__is(ps, p, "with") || dw__is(ps, p, "assert")) && !p->nl)) return 0;
  take(ps);
  if (!dw__is_op(pk(ps), '{')) return dw__fail(ps, pk(ps)->s, "Expected '{' after 'with'");
  uint32_t depth = 0;
  do {
    take(ps);
    if (ps->tok.type == DW_TK_EOF) return dw__fail(ps, ps->tok.s, "Unterminated import attributes");
    if (dw__is_op(&ps->tok, '{')) depth++;
    else if (dw__is_op(&ps->tok, '}')) depth--;
  } while (depth > 0);
  return 0;
}

/* Consumes an optional ';' and checks the statement really ends; returns its end offset. */
static int end_statement(dw__ps *ps, uint32_t *end) {
  const dw__tok *p = pk(ps);
  *end = ps->tok.e;
  if (dw__is_op(p, ';')) {
    take(ps);
    *end = ps->tok.e;
  } else if (!(p->type == DW_TK_EOF || p->nl || dw__is_op(p, '}'))) {
    return dw__fail(ps, p->s, "Unexpected token after import/export declaration");
  }
  ps->prev = PV_STMT;
  return 0;
}

static int expect_from(dw__ps *ps, int32_t *req) {
  const dw__tok *p = pk(ps);
  if (!dw__is(ps, p, "from")) return dw__fail(ps, p->s, "Expected 'from' and a module specifier");
  take(ps);
  p = pk(ps);
  if (p->type != DW_TK_STR) return dw__fail(ps, p->s, "Expected a module specifier string after 'from'");
  take(ps);
  return add_req(ps, &ps->tok, req);
}

/* TS: `{ type X }` specifier. */
static bool type_specifier(dw__ps *ps) {
  if (!ps->ts || !dw__is(ps, &ps->tok, "type")) return false;
  const dw__tok *p = pk(ps);
  return (p->type == DW_TK_IDENT && !dw__is(ps, p, "as")) || p->type == DW_TK_STR;
}

/* Skips the rest of a `type X [as Y]` specifier. */
static void skip_type_specifier(dw__ps *ps) {
  take(ps);
  if (dw__is(ps, pk(ps), "as")) {
    take(ps);
    take(ps);
  }
}

int dw__esm_import(dw__ps *ps) {
  uint32_t start = ps->tok.s, end;
  uint32_t first = ps->nbd;
  int32_t req = -1;
  bool type_only = false, had_bindings = false;
  const dw__tok *p = pk(ps);
  if (ps->ts && dw__is(ps, p, "type")) {
    take(ps);
    const dw__tok *q = pk(ps);
    if ((q->type == DW_TK_IDENT && !dw__is(ps, q, "from")) || dw__is_op(q, '{') || dw__is_op(q, '*'))
      type_only = true;
    if (!type_only) {
      dw__tok me = ps->tok;
      TRY(add_binding(ps, &me, NULL, B_NAMED));
      TRY(dw__add_str(ps, "default", 7, &ps->bd[ps->nbd - 1].imported));
      had_bindings = true;
      if (dw__is_op(pk(ps), ',')) take(ps);
      p = pk(ps);
      goto after_default;
    }
    p = pk(ps);
  }
  if (p->type == DW_TK_STR) {
    take(ps);
    TRY(add_req(ps, &ps->tok, &req));
    ps->rq[req].keep = true;
    goto tail;
  }
  if (p->type == DW_TK_IDENT && !dw__is(ps, p, "from")) {
    take(ps);
    dw__tok local = ps->tok;
    if (ps->ts && dw__is_op(pk(ps), '='))
      return dw__fail(ps, local.s, "'import x = require(...)' is not supported; use an ES import");
    if (!type_only) {
      dw__str def;
      TRY(dw__add_str(ps, "default", 7, &def));
      TRY(add_binding(ps, &local, &def, B_NAMED));
    }
    had_bindings = true;
    if (dw__is_op(pk(ps), ',')) take(ps);
    p = pk(ps);
  } else if (p->type == DW_TK_IDENT && dw__is(ps, p, "from")) {
    /* `import from from "x"` is a default import named from */
    take(ps);
    dw__tok local = ps->tok;
    if (dw__is(ps, pk(ps), "from")) {
      dw__str def;
      TRY(dw__add_str(ps, "default", 7, &def));
      if (!type_only) TRY(add_binding(ps, &local, &def, B_NAMED));
      had_bindings = true;
      p = pk(ps);
    } else {
      return dw__fail(ps, local.s, "Unexpected 'from' in import declaration");
    }
  }
after_default:
  if (dw__is_op(p, '*')) {
    take(ps);
    if (!dw__is(ps, pk(ps), "as")) return dw__fail(ps, pk(ps)->s, "Expected 'as' after 'import *'");
    take(ps);
    take(ps);
    dw__tok local = ps->tok;
    if (!type_only) TRY(add_binding(ps, &local, NULL, B_NS));
    had_bindings = true;
  } else if (dw__is_op(p, '{')) {
    take(ps);
    had_bindings = true;
    for (;;) {
      take(ps);
      if (dw__is_op(&ps->tok, '}')) break;
      if (ps->tok.type == DW_TK_EOF) return dw__fail(ps, ps->tok.s, "Unterminated import list");
      if (type_specifier(ps)) {
        skip_type_specifier(ps);
      } else {
        dw__tok name = ps->tok;
        dw__str imported;
        TRY(spec_name(ps, &name, &imported));
        dw__tok local = name;
        if (dw__is(ps, pk(ps), "as")) {
          take(ps);
          take(ps);
          local = ps->tok;
        }
        if (!type_only) TRY(add_binding(ps, &local, &imported, B_NAMED));
      }
      take(ps);
      if (dw__is_op(&ps->tok, '}')) break;
      if (!dw__is_op(&ps->tok, ',')) return dw__fail(ps, ps->tok.s, "Expected ',' or '}' in import list");
    }
  }
  if (!had_bindings) return dw__fail(ps, pk(ps)->s, "Unexpected token in import declaration");
  TRY(expect_from(ps, &req));
  for (uint32_t i = first; i < ps->nbd; i++) ps->bd[i].req = req;
  if (!ps->ts && ps->nbd == first && !type_only) ps->rq[req].keep = true; /* import {} from */
tail:
  TRY(skip_attributes(ps));
  TRY(end_statement(ps, &end));
  return dw__edit_blank(ps, start, end);
}

static int export_list(dw__ps *ps, uint32_t start) {
  /* ps->tok is '{' */
  uint32_t first = ps->nex, end;
  for (;;) {
    take(ps);
    if (dw__is_op(&ps->tok, '}')) break;
    if (ps->tok.type == DW_TK_EOF) return dw__fail(ps, ps->tok.s, "Unterminated export list");
    if (type_specifier(ps)) {
      skip_type_specifier(ps);
    } else {
      dw__tok local = ps->tok;
      dw__str lname, ename;
      TRY(spec_name(ps, &local, &lname));
      ename = lname;
      if (dw__is(ps, pk(ps), "as")) {
        take(ps);
        take(ps);
        TRY(spec_name(ps, &ps->tok, &ename));
      }
      TRY(add_export(ps, local.type == DW_TK_STR ? X_REEXPORT : X_LOCAL, ename, lname, -1));
      ps->ex[ps->nex - 1].ts_maybe_type = ps->ts;
      ps->ex[ps->nex - 1].ls = local.s;
      ps->ex[ps->nex - 1].le = local.e;
    }
    take(ps);
    if (dw__is_op(&ps->tok, '}')) break;
    if (!dw__is_op(&ps->tok, ',')) return dw__fail(ps, ps->tok.s, "Expected ',' or '}' in export list");
  }
  if (dw__is(ps, pk(ps), "from")) {
    int32_t req;
    TRY(expect_from(ps, &req));
    ps->rq[req].keep = true;
    for (uint32_t i = first; i < ps->nex; i++) {
      ps->ex[i].kind = X_REEXPORT;
      ps->ex[i].req = req;
      ps->ex[i].ts_maybe_type = false;
    }
    TRY(skip_attributes(ps));
  } else {
    for (uint32_t i = first; i < ps->nex; i++)
      if (ps->ex[i].kind == X_REEXPORT)
        return dw__fail(ps, start, "A string export name needs 'from': export { \"a\" } is only valid in a re-export");
  }
  TRY(end_statement(ps, &end));
  return dw__edit_blank(ps, start, end);
}

int dw__esm_export(dw__ps *ps) {
  uint32_t start = ps->tok.s, kw_end = ps->tok.e, end;
  const dw__tok *p = pk(ps);
  if (ps->ts) {
    if ((dw__is(ps, p, "type") || dw__is(ps, p, "interface") || dw__is(ps, p, "declare"))) {
      take(ps);
      if (dw__is(ps, &ps->tok, "type") && dw__is_op(pk(ps), '*')) { /* export type * from */
        return dw__ts_blank_statement(ps, start);
      }
      if (dw__is(ps, &ps->tok, "type") && dw__is_op(pk(ps), '{'))
        return dw__ts_blank_statement(ps, start);
      return dw__ts_blank_statement(ps, start);
    }
    if (dw__is_op(p, '=')) return dw__fail(ps, p->s, "'export =' is not supported; use 'export default'");
    if (dw__is(ps, p, "import"))
      return dw__fail(ps, p->s, "'export import x = ...' is not supported");
    if (dw__is(ps, p, "as")) return dw__ts_blank_statement(ps, start); /* export as namespace X */
    if (dw__is(ps, p, "namespace") || dw__is(ps, p, "module"))
      return dw__fail(ps, p->s, "TypeScript namespaces are not supported; use ES modules");
    if (dw__is(ps, p, "enum") || dw__is(ps, p, "const") || dw__is(ps, p, "abstract")) {
      /* handled as declarations below (const enum / abstract class via the TS hooks) */
    }
  }
  if (dw__is_op(p, '*')) {
    take(ps);
    int32_t req;
    dw__str name = {0, 0};
    bool ns = false;
    if (dw__is(ps, pk(ps), "as")) {
      take(ps);
      take(ps);
      TRY(spec_name(ps, &ps->tok, &name));
      ns = true;
    }
    TRY(expect_from(ps, &req));
    ps->rq[req].keep = true;
    TRY(add_export(ps, ns ? X_NS : X_STAR, name, name, req));
    TRY(skip_attributes(ps));
    TRY(end_statement(ps, &end));
    return dw__edit_blank(ps, start, end);
  }
  if (dw__is_op(p, '{')) {
    take(ps);
    return export_list(ps, start);
  }
  if (dw__is(ps, p, "default")) {
    take(ps);
    uint32_t dflt_end = ps->tok.e;
    dw__str name, local;
    TRY(dw__add_str(ps, "default", 7, &name));
    TRY(dw__add_str(ps, "__dw_default", 12, &local));
    TRY(add_export(ps, X_LOCAL, name, local, -1));
    p = pk(ps);
    if (ps->ts && dw__is(ps, p, "interface")) {
      ps->nex--;
      take(ps);
      return dw__ts_blank_statement(ps, start);
    }
    if (ps->ts && dw__is(ps, p, "abstract")) {
      take(ps);
      TRY(dw__edit_blank(ps, ps->tok.s, ps->tok.e));
      p = pk(ps);
    }
    bool is_fn = dw__is(ps, p, "function"), is_cls = dw__is(ps, p, "class");
    if (dw__is(ps, p, "async")) {
      /* async function declaration, or an async arrow expression */
      dw__lexer save = ps->lx;
      dw__tok q;
      dw__lex_next(&ps->lx, false, &q);
      is_fn = dw__is(ps, &q, "function") && !q.nl;
      ps->lx = save;
    }
    if (is_fn || is_cls) {
      TRY(dw__edit_blank(ps, start, dflt_end));
      ps->dflt_export = (int32_t)ps->nex - 1;
      if (is_fn) ps->dflt_fn_anon = true;
      else ps->dflt_cls_anon = true;
      ps->exp_next = false;
      ps->prev = PV_STMT;
      return 0;
    }
    TRY(dw__edit_keep_lines(ps, start, dflt_end, "const __dw_default=", 19));
    ps->prev = PV_OP;
    return 0;
  }
  /* export <declaration> */
  if (p->type == DW_TK_IDENT) {
    TRY(dw__edit_blank(ps, start, kw_end));
    ps->exp_next = true;
    ps->exp_start = start;
    ps->prev = PV_STMT;
    return 0;
  }
  return dw__fail(ps, p->s, "Unexpected token after 'export'");
}

/* ---- output ------------------------------------------------------------------------ */

static int cmp_edit(const void *a, const void *b) {
  const dw__edit *x = a, *y = b;
  if (x->s != y->s) return x->s < y->s ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static bool plain_ident(const char *p, uint32_t n) {
  if (n == 0) return false;
  for (uint32_t i = 0; i < n; i++) {
    char c = p[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

/* `__dw_iN.name` or `__dw_iN["name"]`. */
static int put_member(dw__ps *ps, dw_buf *b, int32_t req, const dw__str *name) {
  TRY(dw__buf_printf(b, "__dw_i%d", req));
  const char *p = ps->strs.data + name->off;
  if (plain_ident(p, name->len)) {
    TRY(dw__buf_putc(b, '.'));
    return dw__buf_append(b, p, name->len);
  }
  TRY(dw__buf_putc(b, '['));
  TRY(dw__put_jsstr(b, p, name->len));
  return dw__buf_putc(b, ']');
}

static void blank_into(dw_buf *out, const char *s, uint32_t a, uint32_t e, int *rc) {
  for (uint32_t i = a; i < e && !*rc;) {
    size_t n = dw__line_term(s + i, e - i);
    if (n) {
      *rc = dw__buf_append(out, s + i, n);
      i += (uint32_t)n;
      continue;
    }
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80 || (c >= 0xC0 && c < 0xF0)) *rc = dw__buf_putc(out, ' ');
    else if (c >= 0xF0) *rc = dw__buf_puts(out, "  ");
    i++;
  }
}

/* The accessor text for a resolved reference to binding b. */
static int ref_text(dw__ps *ps, const dw__ref *r, const dw__binding *b, dw_buf *tmp) {
  dw__buf_reset(tmp);
  if (r->flags & R_SHORT) {
    TRY(dw__buf_append(tmp, ps->src + r->s, r->e - r->s));
    TRY(dw__buf_putc(tmp, ':'));
  }
  if (r->flags & R_CALL) TRY(dw__buf_puts(tmp, "(0,"));
  TRY(put_member(ps, tmp, b->req, &b->imported));
  if (r->flags & R_CALL) TRY(dw__buf_putc(tmp, ')'));
  return 0;
}

typedef struct {
  int32_t req;
  uint32_t order;
  dw__str name;
} name_item;

static int cmp_item(const void *a, const void *b) {
  const name_item *x = a, *y = b;
  if (x->req != y->req) return x->req < y->req ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

static bool in_spans(const hmap *m, const char *src, const char *p, uint32_t n) {
  return hmap_get(m, src, p, n) >= 0;
}

static int build_prologue(dw__ps *ps, dw_buf *out) {
  int rc = 0;
  hmap tset = {0}, vset = {0}, seen = {0};
  name_item *items = NULL;
  uint32_t nitems = 0, citems = 0;
  dw_buf tmp;
  dw__buf_init(&tmp, (size_t)ps->len * 4 + (1u << 20));

  /* TS: drop `export { T }` of a type-only name */
  if (ps->ts) {
    for (uint32_t i = 0; i < ps->ntn && !rc; i++) rc = hmap_put(&tset, ps->src, ps->tnames[i], 1);
    for (uint32_t i = 0; i < ps->nvn && !rc; i++) rc = hmap_put(&vset, ps->src, ps->vnames[i], 1);
    if (rc) goto out;
  }
  /* exports: resolve local names that are imports; check duplicates */
  for (uint32_t i = 0; i < ps->nex; i++) {
    dw__export *x = &ps->ex[i];
    const char *lp = ps->strs.data + x->local.off;
    if (x->kind == X_LOCAL && x->ts_maybe_type && in_spans(&tset, ps->src, lp, x->local.len) &&
        !in_spans(&vset, ps->src, lp, x->local.len)) {
      x->kind = X_STAR + 1; /* dropped */
      continue;
    }
    if (x->kind == X_STAR) continue;
    const char *np = ps->strs.data + x->name.off;
    int32_t prev = hmap_get(&seen, ps->strs.data, np, x->name.len);
    if (prev >= 0) {
      const dw__export *o = &ps->ex[prev];
      if (o->kind == X_LOCAL && x->kind == X_LOCAL && o->local.len == x->local.len &&
          memcmp(ps->strs.data + o->local.off, lp, x->local.len) == 0) {
        x->kind = X_STAR + 1; /* the same declaration twice (TS overloads) */
        continue;
      }
      rc = dw__fail(ps, 0, "Duplicate export of '%.*s'", (int)DW_MIN(x->name.len, 100u), np);
      goto out;
    }
    if ((rc = hmap_put(&seen, ps->strs.data, x->name, (int32_t)i))) goto out;
    x->ts_maybe_type = false;
    if (x->kind == X_LOCAL && x->le > x->ls) {
      /* `export { x }` where x is imported: re-export the binding */
      int32_t id = dw__name_id(ps, x->ls, x->le);
      int32_t b = id >= 0 ? ps->name_bind[id] : -1;
      if (b >= 0) {
        ps->bd[b].uses++;
        x->bind = b;
      }
    }
  }
  /* which requests are kept, and the names each must provide */
  for (uint32_t b = 0; b < ps->nbd; b++) {
    const dw__binding *bd = &ps->bd[b];
    if (bd->req < 0) continue;
    if (!ps->ts || bd->uses) ps->rq[bd->req].keep = true;
    if (bd->kind == B_NAMED && (!ps->ts || bd->uses)) {
      if ((rc = dw__grow_arr((void **)&items, &citems, sizeof *items, nitems + 1))) goto out;
      items[nitems].req = bd->req;
      items[nitems].order = nitems;
      items[nitems++].name = bd->imported;
    }
  }
  for (uint32_t i = 0; i < ps->nex; i++) {
    const dw__export *x = &ps->ex[i];
    if (x->kind != X_REEXPORT) continue;
    if ((rc = dw__grow_arr((void **)&items, &citems, sizeof *items, nitems + 1))) goto out;
    items[nitems].req = x->req;
    items[nitems].order = nitems;
    items[nitems++].name = x->local;
  }
  if (nitems) qsort(items, nitems, sizeof *items, cmp_item);
  for (uint32_t r = 0, k = 0; r < ps->nrq; r++) {
    while (k < nitems && items[k].req < (int32_t)r) k++;
    if (!ps->rq[r].keep) continue;
    if ((rc = dw__buf_printf(out, "const __dw_i%u=__dw_m.i(", r))) goto out;
    if ((rc = dw__put_jsstr(out, ps->strs.data + ps->rq[r].spec.off, ps->rq[r].spec.len))) goto out;
    if ((rc = dw__buf_puts(out, ",["))) goto out;
    for (bool firstn = true; k < nitems && items[k].req == (int32_t)r; k++, firstn = false) {
      if (!firstn && (rc = dw__buf_putc(out, ','))) goto out;
      if ((rc = dw__put_jsstr(out, ps->strs.data + items[k].name.off, items[k].name.len))) goto out;
    }
    if ((rc = dw__buf_puts(out, "]);"))) goto out;
  }
  for (uint32_t b = 0; b < ps->nbd; b++) {
    const dw__binding *bd = &ps->bd[b];
    if (bd->kind != B_NS || bd->req < 0 || (ps->ts && !bd->uses)) continue;
    if ((rc = dw__buf_puts(out, "const "))) goto out;
    if ((rc = dw__buf_append(out, ps->src + bd->ls, bd->le - bd->ls))) goto out;
    if ((rc = dw__buf_printf(out, "=__dw_i%d;", bd->req))) goto out;
  }
  bool any = false;
  for (uint32_t i = 0; i < ps->nex; i++) {
    const dw__export *x = &ps->ex[i];
    if (x->kind > X_NS) continue;
    if ((rc = dw__buf_puts(out, any ? "," : "__dw_m.e({"))) goto out;
    any = true;
    if ((rc = dw__put_jsstr(out, ps->strs.data + x->name.off, x->name.len))) goto out;
    if ((rc = dw__buf_puts(out, ":()=>"))) goto out;
    if (x->kind == X_LOCAL && x->bind >= 0) {
      const dw__binding *bd = &ps->bd[x->bind];
      if (bd->kind == B_NS) rc = dw__buf_printf(out, "__dw_i%d", bd->req);
      else rc = put_member(ps, out, bd->req, &bd->imported);
    } else if (x->kind == X_LOCAL) {
      rc = dw__buf_append(out, ps->strs.data + x->local.off, x->local.len);
    } else if (x->kind == X_REEXPORT) {
      rc = put_member(ps, out, x->req, &x->local);
    } else {
      rc = dw__buf_printf(out, "__dw_i%d", x->req);
    }
    if (rc) goto out;
  }
  if (any && (rc = dw__buf_puts(out, "});"))) goto out;
  for (uint32_t i = 0; i < ps->nex; i++)
    if (ps->ex[i].kind == X_STAR && (rc = dw__buf_printf(out, "__dw_m.s(__dw_i%d);", ps->ex[i].req)))
      goto out;
  if (ps->dflt_fn_fix &&
      (rc = dw__buf_puts(out, "Object.defineProperty(__dw_default,\"name\",{value:\"default\"});")))
    goto out;
  /* resolved references become edits */
  for (uint32_t i = 0; i < ps->nrf; i++) {
    const dw__ref *r = &ps->rf[i];
    if (r->flags & R_DEAD) continue;
    const dw__binding *bd = &ps->bd[ps->name_bind[r->name]];
    if (bd->kind == B_NS) continue;
    if ((rc = ref_text(ps, r, bd, &tmp))) goto out;
    if ((rc = dw__edit_text(ps, r->s, r->e, tmp.data, tmp.len))) goto out;
  }
out:
  hmap_free(&tset);
  hmap_free(&vset);
  hmap_free(&seen);
  free(items);
  dw__buf_free(&tmp);
  return rc;
}

bool dw__esm_simple(const dw__ps *ps) { return !ps->nrq && !ps->has_dyn_import; }

int dw__esm_output(dw__ps *ps, dw_buf *out) {
  int rc;
  bool plain = ps->plain && dw__esm_simple(ps) && !ps->has_tla;
  if ((rc = dw__buf_puts(out, plain         ? "(function(__dw_m){\"use strict\";"
                              : ps->has_tla ? "(async function*(__dw_m){\"use strict\";"
                                            : "(function*(__dw_m){\"use strict\";")))
    return rc;
  if ((rc = build_prologue(ps, out))) return rc;
  if (!plain && (rc = dw__buf_puts(out, "yield;"))) return rc;
  ps->prefix_units = (uint32_t)dw__utf16_units(out->data, out->len);
  if (ps->ned) qsort(ps->ed, ps->ned, sizeof *ps->ed, cmp_edit);
  uint32_t cur = 0;
  for (uint32_t i = 0; i < ps->ned && !rc; i++) {
    const dw__edit *d = &ps->ed[i];
    if (d->text == UINT32_MAX) {
      uint32_t s = DW_MAX(d->s, cur);
      if (d->e <= s) continue;
      rc = dw__buf_append(out, ps->src + cur, s - cur);
      if (!rc) blank_into(out, ps->src, s, d->e, &rc);
      cur = d->e;
    } else {
      if (d->s < cur) continue;
      rc = dw__buf_append(out, ps->src + cur, d->s - cur);
      if (!rc) rc = dw__buf_append(out, ps->etext.data + d->text, d->tlen);
      cur = d->e;
    }
  }
  if (!rc) rc = dw__buf_append(out, ps->src + cur, ps->len - cur);
  if (!rc) rc = dw__buf_puts(out, "\n})");
  return rc;
}
