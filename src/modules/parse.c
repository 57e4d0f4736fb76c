/* The token tracker: brackets, statements, scopes, declarations and references.
 * See parse.h for the model. Everything here is iterative; nesting is capped at
 * DW__MAX_NEST frames, so hostile input cannot exhaust the C stack. */
#include <stdarg.h>
#include <string.h>
#include "modules/parse.h"

#define TRY(x)                \
  do {                        \
    int rc_ = (x);            \
    if (rc_) return rc_;      \
  } while (0)

int dw__grow_arr(void **arr, uint32_t *cap, size_t elem, uint32_t need) {
  if (need <= *cap) return 0;
  uint32_t nc = *cap ? *cap : 16;
  while (nc < need) {
    if (nc > UINT32_MAX / 4) return DW_E_TOO_LARGE;
    nc *= 2;
  }
  void *p = realloc(*arr, (size_t)nc * elem);
  if (!p) return DW_E_NOMEM;
  *arr = p;
  *cap = nc;
  return 0;
}

int dw__fail(dw__ps *ps, uint32_t pos, const char *fmt, ...) {
  if (ps->err) return ps->err;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ps->msg, sizeof ps->msg, fmt, ap);
  va_end(ap);
  ps->err = DW_E_SYNTAX;
  ps->err_pos = pos;
  return DW_E_SYNTAX;
}

bool dw__is(const dw__ps *ps, const dw__tok *t, const char *w) { return dw__tok_is(ps->src, t, w); }
bool dw__is_op(const dw__tok *t, int op) { return t->type == DW_TK_PUNCT && t->op == op; }
dw__frame *dw__top(dw__ps *ps) { return &ps->fr[ps->nfr - 1]; }

void dw__next(dw__ps *ps) {
  if (ps->has_pk) {
    ps->tok = ps->pk;
    ps->has_pk = false;
    return;
  }
  dw__lex_next(&ps->lx, ps->prev != PV_VAL, &ps->tok);
}

const dw__tok *dw__peek(dw__ps *ps, bool regex_ok) {
  if (!ps->has_pk) {
    dw__lex_next(&ps->lx, regex_ok, &ps->pk);
    ps->has_pk = true;
  }
  return &ps->pk;
}

/* ---- names that imports may bind --------------------------------------------------- */

static uint32_t hash_bytes(const char *p, uint32_t n) {
  uint32_t h = 2166136261u;
  for (uint32_t i = 0; i < n; i++) h = (h ^ (unsigned char)p[i]) * 16777619u;
  return h;
}

int32_t dw__name_id(const dw__ps *ps, uint32_t s, uint32_t e) {
  if (!ps->nhcap) return -1;
  uint32_t n = e - s, mask = ps->nhcap - 1;
  for (uint32_t i = hash_bytes(ps->src + s, n) & mask;; i = (i + 1) & mask) {
    uint32_t v = ps->nh[i];
    if (!v) return -1;
    const dw__str *sp = &ps->nspan[v - 1];
    if (sp->len == n && memcmp(ps->src + sp->off, ps->src + s, n) == 0) return (int32_t)(v - 1);
  }
}

static int add_name(dw__ps *ps, uint32_t s, uint32_t e, int32_t *id) {
  *id = dw__name_id(ps, s, e);
  if (*id >= 0) return 0;
  if ((ps->nname + 1) * 2 > ps->nhcap) {
    uint32_t nc = ps->nhcap ? ps->nhcap * 2 : 64;
    uint32_t *nh = calloc(nc, sizeof *nh);
    if (!nh) return DW_E_NOMEM;
    for (uint32_t k = 0; k < ps->nname; k++) {
      const dw__str *sp = &ps->nspan[k];
      uint32_t i = hash_bytes(ps->src + sp->off, sp->len) & (nc - 1);
      while (nh[i]) i = (i + 1) & (nc - 1);
      nh[i] = k + 1;
    }
    free(ps->nh);
    ps->nh = nh;
    ps->nhcap = nc;
  }
  uint32_t cap2 = ps->cname;
  TRY(DW__GROW(ps, ps->nspan, ps->nname, ps->cname));
  if (ps->cname != cap2) {
    int32_t *nb = realloc(ps->name_bind, ps->cname * sizeof *nb);
    if (!nb) return DW_E_NOMEM;
    ps->name_bind = nb;
  }
  ps->nspan[ps->nname].off = s;
  ps->nspan[ps->nname].len = e - s;
  ps->name_bind[ps->nname] = -1;
  uint32_t mask = ps->nhcap - 1;
  uint32_t i = hash_bytes(ps->src + s, e - s) & mask;
  while (ps->nh[i]) i = (i + 1) & mask;
  ps->nh[i] = ++ps->nname;
  *id = (int32_t)(ps->nname - 1);
  return 0;
}

/* Words after which an expression (and so a regex) is expected. */
static bool word_is_op(const char *p, uint32_t n) {
  static const struct {
    const char *s;
    uint32_t n;
  } w[] = {{"return", 6}, {"typeof", 6}, {"instanceof", 10}, {"in", 2}, {"of", 2}, {"new", 3},
           {"delete", 6}, {"void", 4}, {"throw", 5}, {"case", 4}, {"do", 2}, {"else", 4},
           {"yield", 5}, {"await", 5}, {"extends", 7}};
  /* Called for every identifier of a module: lengths first, no strlen (see lexer.c's ops). */
  for (size_t i = 0; i < DW_ARRAY_LEN(w); i++)
    if (w[i].n == n && w[i].s[0] == p[0] && memcmp(w[i].s, p, n) == 0) return true;
  return false;
}

static bool has_import(const char *src, uint32_t len) {
  const char *p = src, *end = src + len;
  while (end - p >= 6 && (p = memchr(p, 'i', (size_t)(end - p - 5))) != NULL) {
    if (memcmp(p, "import", 6) == 0) return true;
    p++;
  }
  return false;
}

/* Collects every identifier between an `import` and its specifier string, so that the
 * main pass knows (a superset of) the names imports bind before it meets the imports. */
static int prescan(dw__ps *ps) {
  dw__lexer lx;
  dw__tok t;
  bool val = false;
  dw__lex_init(&lx, ps->src, ps->len, ps->tpl_stack);
  for (;;) {
    dw__lex_next(&lx, !val, &t);
    if (t.type == DW_TK_EOF) break;
    if (dw__tok_is(ps->src, &t, "import")) {
      dw__lex_next(&lx, false, &t);
      if (dw__is_op(&t, '(') || dw__is_op(&t, '.')) {
        val = false;
        continue;
      }
      while (t.type == DW_TK_IDENT || dw__is_op(&t, '{') || dw__is_op(&t, '}') ||
             dw__is_op(&t, ',') || dw__is_op(&t, '*')) {
        int32_t id;
        if (t.type == DW_TK_IDENT) TRY(add_name(ps, t.s, t.e, &id));
        dw__lex_next(&lx, false, &t);
      }
      if (t.type == DW_TK_EOF) break;
    }
    if (t.type == DW_TK_IDENT) val = !word_is_op(ps->src + t.s, t.e - t.s);
    else if (t.type == DW_TK_PUNCT) val = t.op == ')' || t.op == ']' || t.op == '}';
    else val = t.type != DW_TK_TPL_HEAD && t.type != DW_TK_TPL_MID;
  }
  return 0;
}

/* ---- frames and scopes ------------------------------------------------------------- */

static int new_scope(dw__ps *ps, uint8_t kind, int32_t *out) {
  TRY(DW__GROW(ps, ps->sc, ps->nsc, ps->csc));
  dw__scope *s = &ps->sc[ps->nsc];
  s->parent = ps->cur;
  s->kind = kind;
  s->func = kind ? (int32_t)ps->nsc : (ps->cur >= 0 ? ps->sc[ps->cur].func : 0);
  s->decls = s->refs = -1;
  *out = (int32_t)ps->nsc++;
  return 0;
}

static int push(dw__ps *ps, uint8_t kind, uint8_t bm, uint32_t open) {
  if (ps->nfr >= DW__MAX_NEST) return dw__fail(ps, open, "nesting too deep");
  TRY(DW__GROW(ps, ps->fr, ps->nfr, ps->cfr));
  dw__frame *f = &ps->fr[ps->nfr++];
  memset(f, 0, sizeof *f);
  f->kind = kind;
  f->bm = bm;
  f->pst = (kind == F_OBJ || kind == F_CLASS) ? P_KEY : (bm ? P_BIND : P_EXPR);
  f->restore = ps->cur;
  f->scope = -1;
  f->open = open;
  f->cand_start = ps->ncand;
  f->member_s = UINT32_MAX;
  return 0;
}

static void pop(dw__ps *ps) {
  ps->cur = dw__top(ps)->restore;
  ps->nfr--;
}

static bool is_pseudo(uint8_t k) { return k == F_ARROWX || k == F_STMTX; }
static bool is_stmt_level(uint8_t k) {
  return k == F_MODULE || k == F_BLOCK || k == F_FBODY || k == F_STMTX;
}

static void pop_arrows(dw__ps *ps) {
  while (ps->nfr > 1 && dw__top(ps)->kind == F_ARROWX) pop(ps);
}
static void pop_pseudo(dw__ps *ps) {
  while (ps->nfr > 1 && is_pseudo(dw__top(ps)->kind)) pop(ps);
}

static int declare_id(dw__ps *ps, int32_t id, int32_t scope) {
  if (id < 0) return 0;
  TRY(DW__GROW(ps, ps->dc, ps->ndc, ps->cdc));
  ps->dc[ps->ndc].name = id;
  ps->dc[ps->ndc].next = ps->sc[scope].decls;
  ps->sc[scope].decls = (int32_t)ps->ndc++;
  return 0;
}

static int add_span(dw__str **arr, uint32_t *n, uint32_t *cap, uint32_t s, uint32_t e) {
  TRY(dw__grow_arr((void **)arr, cap, sizeof **arr, *n + 1));
  (*arr)[*n].off = s;
  (*arr)[(*n)++].len = e - s;
  return 0;
}

/* Declares the identifier t in the scope that a declaration of kind dk targets. */
static int bind_at(dw__ps *ps, const dw__tok *t, int32_t scope, bool exported) {
  TRY(declare_id(ps, dw__name_id(ps, t->s, t->e), scope));
  if (scope == 0 && ps->ts) TRY(add_span(&ps->vnames, &ps->nvn, &ps->cvn, t->s, t->e));
  if (exported) TRY(dw__declare_top(ps, t->s, t->e, true));
  return 0;
}

static int bind(dw__ps *ps, const dw__tok *t, uint8_t dk, bool exported) {
  return bind_at(ps, t, dk == DK_VAR ? ps->sc[ps->cur].func : ps->cur, exported);
}

/* Records export { name as name } for a top-level declaration. */
int dw__declare_top(dw__ps *ps, uint32_t s, uint32_t e, bool exported) {
  if (!exported) return 0;
  TRY(DW__GROW(ps, ps->ex, ps->nex, ps->cex));
  dw__export *x = &ps->ex[ps->nex];
  memset(x, 0, sizeof *x);
  x->kind = X_LOCAL;
  TRY(dw__add_str(ps, ps->src + s, e - s, &x->name));
  x->local = x->name;
  x->req = -1;
  x->bind = -1;
  x->ls = s;
  x->le = e;
  ps->nex++;
  return 0;
}

static int add_ref(dw__ps *ps, const dw__tok *t, uint8_t flags, bool cand) {
  int32_t id = dw__name_id(ps, t->s, t->e);
  if (id < 0) return 0;
  TRY(DW__GROW(ps, ps->rf, ps->nrf, ps->crf));
  dw__ref *r = &ps->rf[ps->nrf];
  r->s = t->s;
  r->e = t->e;
  r->name = id;
  r->flags = flags;
  r->next = ps->sc[ps->cur].refs;
  ps->sc[ps->cur].refs = (int32_t)ps->nrf;
  if (cand) {
    TRY(DW__GROW(ps, ps->cands, ps->ncand, ps->ccand));
    ps->cands[ps->ncand++] = ps->nrf;
  }
  ps->nrf++;
  return 0;
}

/* After a pattern ({...} or [...]) in binding position closes. */
static void pattern_closed(dw__ps *ps) {
  dw__frame *p = dw__top(ps);
  if (p->ds == DS_BIND) p->ds = DS_AFTER;
  else if (p->bm && p->pst == P_BIND) p->pst = P_AFTER;
  else if (p->kind == F_OBJ && p->pst == P_BIND) p->pst = P_AFTER;
}

/* Ends the statement in the innermost statement-level frame (ASI or ';'). */
static void stmt_boundary(dw__ps *ps) {
  uint32_t k = ps->nfr - 1;
  while (k > 0 && is_pseudo(ps->fr[k].kind) && ps->fr[k].kind == F_ARROWX) k--;
  dw__frame *f = &ps->fr[k];
  if (!is_stmt_level(f->kind) && f->kind != F_CLASS) return;
  while (ps->nfr - 1 > k) pop(ps);
  if (f->kind == F_STMTX && ps->nfr > 1) {
    pop(ps);
    f = dw__top(ps);
  }
  f->ds = DS_NONE;
  f->in_case = false;
  if (f->kind == F_CLASS) {
    f->pst = P_KEY;
    f->member_s = UINT32_MAX;
  }
  ps->prev = PV_STMT;
}

/* True if t, after a value and a line break, continues the expression (no ASI). */
static bool continues(dw__ps *ps, const dw__tok *t) {
  switch (t->type) {
  case DW_TK_PUNCT:
    return !(t->op == '{' || t->op == DW_OP_INC || t->op == DW_OP_DEC || t->op == '!' ||
             t->op == '~' || t->op == '@');
  case DW_TK_IDENT: return dw__is(ps, t, "in") || dw__is(ps, t, "instanceof");
  case DW_TK_TPL:
  case DW_TK_TPL_HEAD: return true;
  default: return false;
  }
}

/* ---- keywords ---------------------------------------------------------------------- */

enum {
  KW_NONE, KW_FUNCTION, KW_CLASS, KW_ASYNC, KW_LET, KW_CONST, KW_VAR, KW_IF, KW_WHILE,
  KW_WITH, KW_SWITCH, KW_FOR, KW_CATCH, KW_DO, KW_ELSE, KW_TRY, KW_FINALLY, KW_RETURN,
  KW_THROW, KW_BREAK, KW_CONTINUE, KW_CASE, KW_DEFAULT, KW_NEW, KW_DELETE, KW_TYPEOF, KW_VOID,
  KW_IN, KW_INSTANCEOF, KW_YIELD, KW_AWAIT, KW_EXTENDS, KW_THIS, KW_SUPER, KW_NULL, KW_TRUE,
  KW_FALSE, KW_IMPORT, KW_EXPORT, KW_DEBUGGER, KW_OF, KW_IMPLEMENTS, KW_ENUM
};

static const struct {
  const char *w;
  int kw;
  bool reserved;
} kws[] = {
  {"function", KW_FUNCTION, 1}, {"class", KW_CLASS, 1}, {"async", KW_ASYNC, 0},
  {"let", KW_LET, 1}, {"const", KW_CONST, 1}, {"var", KW_VAR, 1}, {"if", KW_IF, 1},
  {"while", KW_WHILE, 1}, {"with", KW_WITH, 1}, {"switch", KW_SWITCH, 1}, {"for", KW_FOR, 1},
  {"catch", KW_CATCH, 1}, {"do", KW_DO, 1}, {"else", KW_ELSE, 1}, {"try", KW_TRY, 1},
  {"finally", KW_FINALLY, 1}, {"return", KW_RETURN, 1}, {"throw", KW_THROW, 1},
  {"break", KW_BREAK, 1}, {"continue", KW_CONTINUE, 1}, {"case", KW_CASE, 1},
  {"default", KW_DEFAULT, 1}, {"new", KW_NEW, 1}, {"delete", KW_DELETE, 1},
  {"typeof", KW_TYPEOF, 1}, {"void", KW_VOID, 1}, {"in", KW_IN, 1},
  {"instanceof", KW_INSTANCEOF, 1}, {"yield", KW_YIELD, 1}, {"await", KW_AWAIT, 1},
  {"extends", KW_EXTENDS, 1}, {"this", KW_THIS, 1}, {"super", KW_SUPER, 1},
  {"null", KW_NULL, 1}, {"true", KW_TRUE, 1}, {"false", KW_FALSE, 1},
  {"import", KW_IMPORT, 1}, {"export", KW_EXPORT, 1}, {"debugger", KW_DEBUGGER, 1},
  {"of", KW_OF, 0}, {"implements", KW_IMPLEMENTS, 0}, {"enum", KW_ENUM, 1},
};

static int keyword(const dw__ps *ps, const dw__tok *t, bool *reserved) {
  uint32_t n = t->e - t->s;
  *reserved = false;
  if (n < 2 || n > 10) return KW_NONE;
  for (size_t i = 0; i < DW_ARRAY_LEN(kws); i++) {
    if (strlen(kws[i].w) == n && memcmp(kws[i].w, ps->src + t->s, n) == 0) {
      *reserved = kws[i].reserved;
      return kws[i].kw;
    }
  }
  return KW_NONE;
}

/* ---- TypeScript parameter properties ---------------------------------------------- */

static int emit_props(dw__ps *ps, uint32_t at, uint32_t first, uint32_t n) {
  for (uint32_t i = first; i < first + n && i < ps->npp; i++) {
    const dw__pprop *p = &ps->pp[i];
    uint32_t len = p->e - p->s;
    char buf[64];
    snprintf(buf, sizeof buf, "this.");
    TRY(dw__edit_text(ps, at, at, buf, strlen(buf)));
    TRY(dw__edit_text(ps, at, at, ps->src + p->s, len));
    TRY(dw__edit_str(ps, at, at, "="));
    TRY(dw__edit_text(ps, at, at, ps->src + p->s, len));
    TRY(dw__edit_str(ps, at, at, ";"));
  }
  return 0;
}

/* ---- token handlers ---------------------------------------------------------------- */

/* A function body, catch block or for body whose head just ended. Returns 1 if the token
 * (a '{') was consumed. */
static int resolve_body(dw__ps *ps) {
  int32_t s = ps->body_pend;
  ps->body_pend = -1;
  if (dw__is_op(&ps->tok, '{')) {
    uint8_t kind = ps->body_kind == F_STMTX ? F_BLOCK : ps->body_kind;
    TRY(push(ps, kind, BM_NONE, ps->tok.s));
    dw__frame *f = dw__top(ps);
    f->restore = ps->sc[s].parent;
    f->scope = s;
    f->is_decl = ps->body_decl;
    ps->cur = s;
    ps->prev = PV_STMT;
    if (ps->body_nprops) {
      if (ps->body_derived) {
        ps->super_props = true;
        ps->super_depth = ps->nfr;
        ps->super_props_i = ps->body_props;
        ps->super_props_n = ps->body_nprops;
      } else {
        TRY(emit_props(ps, ps->tok.e, ps->body_props, ps->body_nprops));
      }
      ps->body_nprops = 0;
    }
    return 1;
  }
  ps->body_nprops = 0;
  if (ps->body_kind == F_STMTX) {
    TRY(push(ps, F_STMTX, BM_NONE, ps->tok.s));
    dw__top(ps)->restore = ps->sc[s].parent;
    return 0;
  }
  ps->cur = ps->sc[s].parent;
  if (ps->ts && ps->body_kind == F_FBODY && ps->body_member != UINT32_MAX) {
    /* an overload signature or abstract method: no body, so it was types only */
    uint32_t end = ps->tok.s;
    if (dw__is_op(&ps->tok, ';')) end = ps->tok.e;
    TRY(dw__edit_blank(ps, ps->body_member, end));
    if (dw__is_op(&ps->tok, ';')) {
      ps->prev = PV_STMT;
      dw__frame *f = dw__top(ps);
      if (f->kind == F_CLASS) {
        f->pst = P_KEY;
        f->member_s = UINT32_MAX;
      }
      return 1;
    }
  }
  return 0;
}

/* Starts the parameter list of a function or method; ps->tok is '('. */
static int open_params(dw__ps *ps, bool catch_) {
  int32_t s;
  TRY(new_scope(ps, catch_ ? 0 : 1, &s));
  int32_t parent = ps->cur;
  TRY(push(ps, F_PARAMS, BM_DECL, ps->tok.s));
  dw__frame *f = dw__top(ps);
  f->restore = parent;
  f->scope = s;
  f->dkind = DK_LET;
  f->catch_ = catch_;
  f->is_decl = ps->fn_decl;
  f->ctor = ps->fn_ctor;
  f->member_s = ps->fn_member;
  f->derived = ps->fn_derived;
  f->ctor_props = ps->npp;
  ps->cur = s;
  if (!catch_ && ps->fn_name >= 0) TRY(declare_id(ps, ps->fn_name, s));
  ps->fn_state = 0;
  ps->fn_name = -1;
  ps->fn_decl = false;
  ps->fn_ctor = false;
  ps->fn_member = UINT32_MAX;
  return 0;
}

static int on_open_paren(dw__ps *ps, bool was_async) {
  dw__frame *f = dw__top(ps);
  const dw__tok *t = &ps->tok;
  if (ps->fn_state) {
    if (ps->dflt_fn_anon) {
      ps->dflt_fn_anon = false;
      TRY(dw__edit_str(ps, t->s, t->s, " __dw_default"));
      ps->dflt_fn_fix = true;
    }
    TRY(open_params(ps, false));
  } else if (ps->catch_pend) {
    ps->catch_pend = false;
    TRY(open_params(ps, true));
  } else if (ps->for_pend) {
    ps->for_pend = false;
    int32_t s;
    TRY(new_scope(ps, 0, &s));
    int32_t parent = ps->cur;
    TRY(push(ps, F_FOR, BM_NONE, t->s));
    dw__top(ps)->restore = parent;
    dw__top(ps)->scope = s;
    dw__top(ps)->at_start = true;
    ps->cur = s;
  } else if (ps->cond_pend) {
    ps->cond_pend = false;
    TRY(push(ps, F_COND, BM_NONE, t->s));
  } else if ((f->kind == F_CLASS || f->kind == F_OBJ) && f->pst == P_KEY) {
    ps->fn_member = f->kind == F_CLASS ? f->member_s : UINT32_MAX;
    ps->fn_derived = f->kind == F_CLASS && f->derived;
    TRY(open_params(ps, false));
  } else if (ps->prev == PV_VAL && !was_async) {
    TRY(push(ps, F_CALL, BM_NONE, t->s));
    if (ps->super_props && ps->super_want) {
      ps->super_want = false;
      dw__top(ps)->ctor = true; /* this call is super(...) */
    }
  } else {
    int32_t s;
    TRY(new_scope(ps, 0, &s));
    int32_t parent = ps->cur;
    TRY(push(ps, F_PAREN, BM_CAND, t->s));
    dw__top(ps)->restore = parent;
    dw__top(ps)->scope = s;
    ps->cur = s;
  }
  ps->prev = PV_OP;
  return 0;
}

static int confirm_arrow(dw__ps *ps, dw__frame *f) {
  int32_t s = f->scope;
  ps->sc[s].kind = 1;
  ps->sc[s].func = s;
  for (uint32_t i = f->cand_start; i < ps->ncand; i++) {
    dw__ref *r = &ps->rf[ps->cands[i]];
    r->flags |= R_DEAD;
    TRY(declare_id(ps, r->name, s));
  }
  ps->ncand = f->cand_start;
  ps->nfr--; /* the scope stays current: the arrow body follows */
  ps->arrow_pend = s;
  return 0;
}

static int on_close_paren(dw__ps *ps) {
  pop_pseudo(ps);
  dw__frame *f = dw__top(ps);
  uint8_t k = f->kind;
  if (k != F_PAREN && k != F_CALL && k != F_PARAMS && k != F_COND && k != F_FOR)
    return dw__fail(ps, ps->tok.s, "Unexpected token ')'");
  if (k == F_PARAMS) {
    ps->body_pend = f->scope;
    ps->body_kind = f->catch_ ? F_BLOCK : F_FBODY;
    ps->body_decl = f->is_decl;
    ps->body_member = f->catch_ ? UINT32_MAX : f->member_s;
    ps->body_props = f->ctor_props;
    ps->body_nprops = f->ctor ? ps->npp - f->ctor_props : 0;
    ps->body_derived = f->derived;
    ps->nfr--;
    ps->prev = PV_VAL;
    if (ps->ts && !f->catch_) {
      const dw__tok *p = dw__peek(ps, false);
      if (dw__is_op(p, ':')) {
        dw__next(ps);
        TRY(dw__ts_skip_type(ps, false));
      }
    }
    return 0;
  }
  if (k == F_FOR) {
    ps->body_pend = f->scope;
    ps->body_kind = F_STMTX;
    ps->body_member = UINT32_MAX;
    ps->body_nprops = 0;
    ps->nfr--;
    ps->prev = PV_STMT;
    return 0;
  }
  if (k == F_COND) {
    pop(ps);
    ps->prev = PV_STMT;
    return 0;
  }
  if (k == F_CALL) {
    bool super_call = f->ctor;
    pop(ps);
    ps->prev = PV_VAL;
    if (super_call && ps->super_props) {
      ps->super_props = false;
      TRY(dw__edit_str(ps, ps->tok.e, ps->tok.e, ";"));
      TRY(emit_props(ps, ps->tok.e, ps->super_props_i, ps->super_props_n));
    }
    return 0;
  }
  /* F_PAREN: an arrow function's parameters if => follows */
  const dw__tok *p = dw__peek(ps, false);
  if (ps->ts && dw__is_op(p, ':') && ps->nfr >= 2 && ps->fr[ps->nfr - 2].ternary == 0) {
    dw__next(ps);
    TRY(dw__ts_skip_type(ps, true));
    p = dw__peek(ps, false);
  }
  if (dw__is_op(p, DW_OP_ARROW) && !p->nl) {
    TRY(confirm_arrow(ps, f));
  } else {
    ps->ncand = f->cand_start;
    pop(ps);
  }
  ps->prev = PV_VAL;
  return 0;
}

/* `class` was not followed by a name: export default class {} gets one. */
static int class_no_name(dw__ps *ps, dw__frame *f) {
  ps->cls_name_next = false;
  if (f->cls_pend == 1 && f->cls_anon && !ps->cls_named_dflt) {
    ps->cls_named_dflt = true;
    TRY(dw__edit_str(ps, ps->cls_kw_end, ps->cls_kw_end, " __dw_default"));
    TRY(dw__set_default_local(ps, 0, 0));
  }
  return 0;
}

static int on_open_brace(dw__ps *ps) {
  dw__frame *f = dw__top(ps);
  const dw__tok *t = &ps->tok;
  if (ps->cls_name_next) TRY(class_no_name(ps, f));
  if (f->cls_pend) {
    bool outer = f->cls_pend == 1;
    f->cls_pend--;
    bool decl = outer && f->cls_decl, derived = outer && f->cls_derived, anon = outer && f->cls_anon;
    if (outer) f->cls_decl = f->cls_derived = f->cls_anon = false;
    int32_t s = ps->cur;
    TRY(push(ps, F_CLASS, BM_NONE, t->s));
    f = dw__top(ps);
    f->restore = ps->sc[s].parent;
    f->scope = s;
    f->is_decl = decl;
    f->derived = derived;
    if (anon)
      TRY(dw__edit_str(ps, t->e, t->e,
                       "static{if(this.name===\"__dw_default\")Object.defineProperty(this,"
                       "\"name\",{value:\"default\"})}"));
    ps->prev = PV_STMT;
    return 0;
  }
  if (f->kind == F_CLASS && f->pst == P_KEY) { /* static { } block */
    int32_t s;
    TRY(new_scope(ps, 1, &s));
    int32_t parent = ps->cur;
    TRY(push(ps, F_BLOCK, BM_NONE, t->s));
    dw__top(ps)->restore = parent;
    ps->cur = s;
    ps->prev = PV_STMT;
    return 0;
  }
  uint8_t bm = BM_NONE, dk = DK_LET;
  bool exp = false;
  if (f->ds == DS_BIND) {
    bm = BM_DECL;
    dk = f->ds_kind;
    exp = f->ds_exp;
  } else if (f->bm && f->pst == P_BIND) {
    bm = f->bm;
    dk = f->dkind;
    exp = f->exp;
  }
  if (bm || (f->kind == F_FOR && f->at_start) || (ps->prev == PV_OP)) {
    TRY(push(ps, F_OBJ, bm, t->s));
    dw__top(ps)->dkind = dk;
    dw__top(ps)->exp = exp;
    ps->prev = PV_OP;
    return 0;
  }
  int32_t s;
  TRY(new_scope(ps, 0, &s));
  int32_t parent = ps->cur;
  TRY(push(ps, F_BLOCK, BM_NONE, t->s));
  dw__top(ps)->restore = parent;
  ps->cur = s;
  ps->prev = PV_STMT;
  return 0;
}

static int on_close_brace(dw__ps *ps) {
  pop_pseudo(ps);
  dw__frame *f = dw__top(ps);
  uint8_t k = f->kind;
  if (k != F_BLOCK && k != F_FBODY && k != F_CLASS && k != F_OBJ)
    return dw__fail(ps, ps->tok.s, "Unexpected token '}'");
  bool decl = f->is_decl, pattern = f->bm != BM_NONE;
  if (ps->super_props && ps->super_depth == ps->nfr) ps->super_props = false;
  pop(ps);
  dw__frame *p = dw__top(ps);
  if (k == F_OBJ) {
    ps->prev = PV_VAL;
    if (pattern) pattern_closed(ps);
  } else if (k == F_BLOCK) {
    ps->prev = PV_STMT;
    if (p->kind == F_STMTX && ps->nfr > 1) pop(ps);
  } else {
    ps->prev = decl ? PV_STMT : PV_VAL;
  }
  p = dw__top(ps);
  if (p->kind == F_CLASS) {
    p->pst = P_KEY;
    p->member_s = UINT32_MAX;
    ps->prev = PV_STMT;
  } else if (p->kind == F_OBJ && k == F_FBODY) {
    p->pst = P_AFTER;
  }
  return 0;
}

static int on_open_bracket(dw__ps *ps) {
  dw__frame *f = dw__top(ps);
  uint8_t bm = BM_NONE, dk = DK_LET;
  bool exp = false;
  if ((f->kind == F_CLASS || f->kind == F_OBJ) && f->pst == P_KEY) {
    if (ps->ts && f->kind == F_CLASS) {
      bool handled = false;
      TRY(dw__ts_class_member(ps, &handled));
      if (handled) return 0;
    }
  } else if (f->ds == DS_BIND) {
    bm = BM_DECL;
    dk = f->ds_kind;
    exp = f->ds_exp;
  } else if (f->bm && f->pst == P_BIND) {
    bm = f->bm;
    dk = f->dkind;
    exp = f->exp;
  }
  TRY(push(ps, F_ARR, bm, ps->tok.s));
  dw__top(ps)->dkind = dk;
  dw__top(ps)->exp = exp;
  ps->prev = PV_OP;
  return 0;
}

static int on_punct(dw__ps *ps, bool was_async) {
  const dw__tok *t = &ps->tok;
  dw__frame *f = dw__top(ps);
  int op = t->op;
  if (op != '(' && op != '*' && op != '<') ps->fn_state = ps->fn_state ? ps->fn_state : 0;
  switch (op) {
  case '(': return on_open_paren(ps, was_async);
  case ')': ps->this_param = false; return on_close_paren(ps);
  case '{': return on_open_brace(ps);
  case '}': return on_close_brace(ps);
  case '[': return on_open_bracket(ps);
  case ']': {
    pop_pseudo(ps);
    f = dw__top(ps);
    if (f->kind != F_ARR) return dw__fail(ps, t->s, "Unexpected token ']'");
    bool pattern = f->bm != BM_NONE;
    pop(ps);
    if (pattern) pattern_closed(ps);
    ps->prev = PV_VAL;
    return 0;
  }
  case ';':
    pop_arrows(ps);
    f = dw__top(ps);
    if (f->kind == F_STMTX && ps->nfr > 1) {
      pop(ps);
      f = dw__top(ps);
    }
    if (f->kind == F_FOR) {
      f->ds = DS_NONE;
      f->at_start = false;
      ps->prev = PV_OP;
    } else if (f->kind == F_CLASS || is_stmt_level(f->kind)) {
      stmt_boundary(ps);
    } else {
      ps->prev = PV_OP;
    }
    return 0;
  case ',':
    pop_arrows(ps);
    f = dw__top(ps);
    if (ps->this_param) {
      ps->this_param = false;
      TRY(dw__edit_blank(ps, t->s, t->e));
    }
    if (f->ds == DS_AFTER || f->ds == DS_INIT) f->ds = DS_BIND;
    if (f->kind == F_OBJ) f->pst = P_KEY;
    else if (f->bm) f->pst = P_BIND;
    ps->prev = PV_OP;
    return 0;
  case '=':
    if (f->ds == DS_AFTER) f->ds = DS_INIT;
    else if ((f->bm || f->kind == F_OBJ) && f->pst == P_AFTER) f->pst = P_EXPR;
    else if (f->kind == F_CLASS && f->pst == P_KEY) f->pst = P_EXPR;
    ps->prev = PV_OP;
    return 0;
  case ':':
    while (ps->nfr > 1 && dw__top(ps)->kind == F_ARROWX && dw__top(ps)->ternary == 0) pop(ps);
    f = dw__top(ps);
    if (f->ternary > 0) {
      f->ternary--;
      ps->prev = PV_OP;
      return 0;
    }
    if (f->kind == F_OBJ && f->pst == P_KEY) {
      f->pst = f->bm ? P_BIND : P_EXPR;
      ps->prev = PV_OP;
      return 0;
    }
    if (ps->ts && (f->ds == DS_AFTER || (f->kind == F_CLASS && f->pst == P_KEY) ||
                   ((f->kind == F_PARAMS || f->kind == F_PAREN) && f->pst == P_AFTER) ||
                   ((f->kind == F_PARAMS || f->kind == F_PAREN) && ps->prev == PV_VAL)))
      return dw__ts_skip_type(ps, false);
    ps->prev = is_stmt_level(f->kind) ? PV_STMT : PV_OP;
    f->in_case = false;
    return 0;
  case '?':
    if (ps->ts && ps->prev == PV_VAL) {
      const dw__tok *p = dw__peek(ps, true);
      bool opt = (dw__is_op(p, ':') || dw__is_op(p, ',') || dw__is_op(p, ')') || dw__is_op(p, '=')) &&
                 (f->kind == F_PARAMS || f->kind == F_PAREN || f->kind == F_CLASS);
      if (!opt && f->kind == F_CLASS && f->pst == P_KEY &&
          (dw__is_op(p, '(') || dw__is_op(p, ';') || dw__is_op(p, '<') || p->nl))
        opt = true;
      if (opt) return dw__edit_blank(ps, t->s, t->e);
    }
    f->ternary++;
    ps->prev = PV_OP;
    return 0;
  case DW_OP_ARROW:
    if (ps->arrow_pend >= 0) {
      int32_t s = ps->arrow_pend;
      ps->arrow_pend = -1;
      const dw__tok *p = dw__peek(ps, true);
      if (dw__is_op(p, '{')) {
        dw__next(ps);
        TRY(push(ps, F_FBODY, BM_NONE, ps->tok.s));
        dw__top(ps)->restore = ps->sc[s].parent;
        dw__top(ps)->scope = s;
        dw__top(ps)->is_arrow = true;
        ps->cur = s;
        ps->prev = PV_STMT;
        return 0;
      }
      TRY(push(ps, F_ARROWX, BM_NONE, t->s));
      dw__top(ps)->restore = ps->sc[s].parent;
      ps->cur = s;
    }
    ps->prev = PV_OP;
    return 0;
  case '.':
  case DW_OP_OPTCHAIN:
    ps->after_dot = true;
    ps->prev = PV_OP;
    return 0;
  case DW_OP_ELLIPSIS:
    if (f->kind == F_OBJ && f->pst == P_KEY) f->pst = f->bm ? P_BIND : P_EXPR;
    ps->prev = PV_OP;
    return 0;
  case '*':
    if (ps->fn_state || ((f->kind == F_OBJ || f->kind == F_CLASS) && f->pst == P_KEY)) return 0;
    break;
  case DW_OP_INC:
  case DW_OP_DEC:
    if (ps->prev == PV_VAL) return 0; /* postfix */
    ps->prev = PV_OP;
    return 0;
  case '!':
    if (ps->ts && ps->prev == PV_VAL && !t->nl) return dw__edit_blank(ps, t->s, t->e);
    break;
  case '<':
    if (ps->ts) {
      if (ps->fn_state || ps->cls_tparams ||
          ((f->kind == F_CLASS || f->kind == F_OBJ) && f->pst == P_KEY)) {
        ps->cls_tparams = false;
        if ((f->kind == F_CLASS || f->kind == F_OBJ) && f->pst == P_KEY && !ps->fn_state) {
          ps->fn_state = 2;
          ps->fn_member = f->kind == F_CLASS ? f->member_s : UINT32_MAX;
          ps->fn_derived = f->kind == F_CLASS && f->derived;
        }
        return dw__ts_skip_type_args(ps);
      }
      if (ps->prev == PV_VAL) {
        if (dw__ts_type_args_follow(ps)) {
          TRY(dw__ts_skip_type_args(ps));
          ps->prev = PV_VAL;
          return 0;
        }
      } else {
        return dw__ts_angle_operand(ps);
      }
    }
    break;
  default: break;
  }
  if ((f->bm || f->kind == F_OBJ) && (f->pst == P_AFTER || f->pst == P_BIND)) f->pst = P_EXPR;
  ps->prev = PV_OP;
  return 0;
}

/* An identifier in a reference position. */
static int on_reference(dw__ps *ps, bool cand, uint8_t extra) {
  const dw__tok *t = &ps->tok;
  dw__tok me = *t;
  const dw__tok *p = dw__peek(ps, false);
  if (dw__is_op(p, DW_OP_ARROW) && !p->nl) { /* x => ... */
    int32_t s;
    TRY(new_scope(ps, 1, &s));
    TRY(declare_id(ps, dw__name_id(ps, me.s, me.e), s));
    ps->cur = s;
    ps->arrow_pend = s;
    ps->prev = PV_VAL;
    return 0;
  }
  uint8_t flags = extra;
  if (dw__is_op(p, '(') || dw__is_op(p, DW_OP_OPTCHAIN) || p->type == DW_TK_TPL ||
      p->type == DW_TK_TPL_HEAD || (ps->ts && dw__is_op(p, '<')))
    flags |= R_CALL;
  TRY(add_ref(ps, &me, flags, cand));
  ps->prev = PV_VAL;
  return 0;
}

static int on_word(dw__ps *ps, bool was_dot, bool label) {
  const dw__tok *t = &ps->tok;
  dw__frame *f = dw__top(ps);
  if (was_dot || label) {
    ps->prev = PV_VAL;
    return 0;
  }
  bool reserved;
  int kw = keyword(ps, t, &reserved);
  if (f->kind == F_CLASS && f->pst == P_KEY) {
    if (f->member_s == UINT32_MAX) f->member_s = t->s;
    if (ps->ts) {
      bool handled = false;
      TRY(dw__ts_class_member(ps, &handled));
      if (handled) return 0;
    }
    const dw__tok *p = dw__peek(ps, false);
    if (dw__is_op(p, '(') || (ps->ts && dw__is_op(p, '<'))) {
      ps->fn_state = 2;
      ps->fn_ctor = dw__is(ps, t, "constructor");
      ps->fn_member = f->member_s;
      ps->fn_derived = f->derived;
    }
    ps->prev = PV_VAL;
    return 0;
  }
  if (f->kind == F_OBJ && f->pst == P_KEY) {
    const dw__tok *p = dw__peek(ps, false);
    if (dw__is_op(p, ':')) {
      ps->prev = PV_VAL;
      return 0;
    }
    if (dw__is_op(p, '(') || (ps->ts && dw__is_op(p, '<'))) {
      ps->fn_state = 2;
      ps->fn_member = UINT32_MAX;
      ps->prev = PV_VAL;
      return 0;
    }
    if (dw__is_op(p, ',') || dw__is_op(p, '}') || dw__is_op(p, '=')) {
      dw__tok me = *t;
      f->pst = P_AFTER;
      ps->prev = PV_VAL;
      if (f->bm == BM_DECL) return bind(ps, &me, f->dkind, f->exp);
      return add_ref(ps, &me, R_SHORT, f->bm == BM_CAND);
    }
    if (p->type == DW_TK_IDENT || p->type == DW_TK_STR || p->type == DW_TK_NUM ||
        p->type == DW_TK_PRIVATE || dw__is_op(p, '[') || dw__is_op(p, '*'))
      return 0; /* get / set / async / static prefix */
    f->pst = P_EXPR;
  }
  if (ps->fn_state == 1 && !reserved) { /* function name */
    ps->fn_state = 2;
    dw__tok me = *t;
    if (ps->dflt_fn_anon) {
      ps->dflt_fn_anon = false;
      TRY(dw__set_default_local(ps, me.s, me.e));
    }
    if (ps->fn_decl) TRY(bind(ps, &me, DK_LET, ps->fn_exp));
    else ps->fn_name = dw__name_id(ps, me.s, me.e);
    ps->fn_exp = false;
    ps->prev = PV_VAL;
    return 0;
  }
  if (ps->cls_name_next) {
    ps->cls_name_next = false;
    if (!reserved && kw != KW_IMPLEMENTS) {
      dw__tok me = *t;
      dw__frame *cf = f;
      if (cf->cls_pend == 1 && cf->cls_anon) {
        cf->cls_anon = false;
        ps->cls_named_dflt = true;
        TRY(dw__set_default_local(ps, me.s, me.e));
      }
      if (ps->cls_decl_now) TRY(bind_at(ps, &me, ps->sc[ps->cur].parent, ps->cls_exp));
      else TRY(declare_id(ps, dw__name_id(ps, me.s, me.e), ps->cur));
      ps->cls_exp = false;
      ps->cls_tparams = ps->ts;
      ps->prev = PV_VAL;
      return 0;
    }
    TRY(class_no_name(ps, f));
  }
  ps->cls_tparams = false;
  if (ps->ts && kw != KW_IMPLEMENTS && ps->prev == PV_VAL && !t->nl &&
      (dw__is(ps, t, "as") || dw__is(ps, t, "satisfies"))) {
    TRY(dw__ts_skip_type(ps, false));
    ps->prev = PV_VAL;
    return 0;
  }
  if (ps->ts && kw == KW_IMPLEMENTS && f->cls_pend) return dw__ts_implements(ps);
  if (f->ds == DS_BIND && !reserved) {
    dw__tok me = *t;
    f->ds = DS_AFTER;
    ps->prev = PV_VAL;
    return bind(ps, &me, f->ds_kind, f->ds_exp);
  }
  if (f->bm && f->pst == P_BIND && f->kind == F_PARAMS && ps->ts) {
    bool handled = false;
    TRY(dw__ts_param_prefix(ps, &handled));
    if (handled) return 0;
  }
  if (kw == KW_ASYNC && f->bm == BM_CAND && f->pst == P_BIND) {
    /* `(async (x: T) => x)`, `(async x => x)`: an async arrow inside parentheses, which are
     * then an expression, not a parameter list (a parameter named async is followed by `,`,
     * `)`, `=` or `:`). */
    const dw__tok *p = dw__peek(ps, false);
    if (!p->nl && (dw__is_op(p, '(') || p->type == DW_TK_IDENT)) f->pst = P_EXPR;
  }
  if (f->bm && f->pst == P_BIND && !reserved) {
    if (f->bm == BM_DECL) {
      dw__tok me = *t;
      f->pst = P_AFTER;
      ps->prev = PV_VAL;
      if (ps->pprop_next) {
        ps->pprop_next = false;
        TRY(DW__GROW(ps, ps->pp, ps->npp, ps->cpp));
        ps->pp[ps->npp].s = me.s;
        ps->pp[ps->npp++].e = me.e;
      }
      return bind(ps, &me, f->dkind, f->exp);
    }
    const dw__tok *p = dw__peek(ps, false);
    if (!(dw__is_op(p, DW_OP_ARROW) && !p->nl)) f->pst = P_AFTER;
    return on_reference(ps, true, 0);
  }
  if ((f->bm || f->kind == F_OBJ) && (f->pst == P_AFTER || f->pst == P_BIND)) f->pst = P_EXPR;
  if (f->kind == F_FOR && f->at_start && kw != KW_LET && kw != KW_CONST && kw != KW_VAR)
    f->at_start = false;

  if (ps->ts && ps->prev == PV_STMT) {
    bool handled = false;
    TRY(dw__ts_statement(ps, &handled));
    if (handled) return 0;
  }

  switch (kw) {
  case KW_FUNCTION:
    ps->fn_state = 1;
    ps->fn_decl = ps->prev == PV_STMT || ps->async_stmt;
    ps->fn_exp = ps->exp_next;
    ps->fn_member = ps->exp_next ? ps->exp_start : (ps->async_stmt ? ps->async_start : t->s);
    if (!ps->ts || !ps->fn_decl) ps->fn_member = ps->ts && ps->fn_decl ? ps->fn_member : UINT32_MAX;
    ps->fn_derived = false;
    ps->exp_next = false;
    ps->async_stmt = false;
    ps->prev = PV_OP;
    return 0;
  case KW_ASYNC: {
    const dw__tok *p = dw__peek(ps, false);
    if (dw__is(ps, p, "function") && !p->nl) {
      ps->async_stmt = ps->prev == PV_STMT;
      ps->async_start = ps->tok.s;
      return 0;
    }
    TRY(on_reference(ps, false, 0));
    ps->last_async = true;
    return 0;
  }
  case KW_CLASS: {
    int32_t s;
    bool decl = ps->prev == PV_STMT;
    if (f->cls_pend == 0) {
      f->cls_decl = decl;
      f->cls_anon = ps->dflt_cls_anon;
      f->cls_derived = false;
    }
    ps->dflt_cls_anon = false;
    ps->cls_named_dflt = false;
    f->cls_pend++;
    TRY(new_scope(ps, 0, &s));
    ps->cur = s;
    ps->cls_name_next = true;
    ps->cls_decl_now = decl;
    ps->cls_kw_end = t->e;
    ps->cls_exp = ps->exp_next;
    ps->exp_next = false;
    ps->prev = PV_OP;
    return 0;
  }
  case KW_LET:
  case KW_CONST:
  case KW_VAR:
    if ((ps->prev == PV_STMT && is_stmt_level(f->kind)) || (f->kind == F_FOR && f->at_start)) {
      f->at_start = false;
      f->ds = DS_BIND;
      f->ds_kind = kw == KW_VAR ? DK_VAR : DK_LET;
      f->ds_exp = ps->exp_next;
      ps->exp_next = false;
      ps->prev = PV_OP;
      return 0;
    }
    break;
  case KW_IF:
  case KW_WHILE:
  case KW_WITH:
  case KW_SWITCH: ps->cond_pend = true; ps->prev = PV_OP; return 0;
  case KW_FOR: ps->for_pend = true; ps->prev = PV_OP; return 0;
  case KW_CATCH: ps->catch_pend = true; ps->prev = PV_OP; return 0;
  case KW_DO:
  case KW_ELSE:
  case KW_TRY:
  case KW_FINALLY: ps->prev = PV_STMT; return 0;
  case KW_RETURN:
    if (ps->sc[ps->cur].func == 0)
      return dw__fail(ps, t->s, "Return statements are only valid inside functions");
    ps->restricted = true;
    ps->prev = PV_OP;
    return 0;
  case KW_THROW: ps->restricted = true; ps->prev = PV_OP; return 0;
  case KW_BREAK:
  case KW_CONTINUE: {
    const dw__tok *p = dw__peek(ps, false);
    if (p->type == DW_TK_IDENT && !p->nl) ps->label_next = true;
    ps->prev = PV_VAL;
    return 0;
  }
  case KW_CASE: f->in_case = true; ps->prev = PV_OP; return 0;
  case KW_DEFAULT: ps->prev = PV_OP; return 0;
  case KW_YIELD:
    if (ps->sc[ps->cur].func == 0)
      return dw__fail(ps, t->s, "Unexpected 'yield' at the top level of a module");
    ps->prev = PV_OP;
    return 0;
  case KW_AWAIT:
    if (ps->sc[ps->cur].func == 0) ps->has_tla = true;
    ps->prev = PV_OP;
    return 0;
  case KW_EXTENDS:
    if (f->cls_pend == 1) f->cls_derived = true;
    ps->prev = PV_OP;
    return 0;
  case KW_OF:
    if (f->kind == F_FOR && ps->prev == PV_VAL) {
      f->ds = DS_NONE;
      ps->prev = PV_OP;
      return 0;
    }
    break;
  case KW_IN:
    if (f->kind == F_FOR) f->ds = DS_NONE;
    ps->prev = PV_OP;
    return 0;
  case KW_NEW:
  case KW_DELETE:
  case KW_TYPEOF:
  case KW_VOID:
  case KW_INSTANCEOF: ps->prev = PV_OP; return 0;
  case KW_SUPER:
    if (ps->super_props) ps->super_want = true;
    ps->prev = PV_VAL;
    return 0;
  case KW_THIS:
  case KW_NULL:
  case KW_TRUE:
  case KW_FALSE:
  case KW_DEBUGGER: ps->prev = PV_VAL; return 0;
  case KW_IMPORT: {
    const dw__tok *p = dw__peek(ps, false);
    if (dw__is_op(p, '(')) {
      TRY(dw__edit_str(ps, t->s, t->e, "__dw_m.d"));
      ps->has_dyn_import = true;
      ps->prev = PV_VAL;
      return 0;
    }
    if (dw__is_op(p, '.')) {
      uint32_t s = t->s;
      dw__next(ps);
      ps->prev = PV_VAL;
      dw__next(ps);
      if (!dw__is(ps, &ps->tok, "meta")) return dw__fail(ps, ps->tok.s, "Expected 'meta' after 'import.'");
      TRY(dw__edit_str(ps, s, ps->tok.e, "__dw_m.meta"));
      return 0;
    }
    if (ps->nfr == 1 && ps->prev == PV_STMT) return dw__esm_import(ps);
    return dw__fail(ps, t->s, "An import declaration can only be used at the top level of a module");
  }
  case KW_EXPORT:
    if (ps->nfr == 1 && ps->prev == PV_STMT) return dw__esm_export(ps);
    return dw__fail(ps, t->s, "An export declaration can only be used at the top level of a module");
  default: break;
  }
  if (reserved) {
    ps->prev = PV_OP;
    return 0;
  }
  if (ps->prev == PV_STMT && is_stmt_level(f->kind)) { /* label: */
    const dw__tok *p = dw__peek(ps, false);
    if (dw__is_op(p, ':')) {
      ps->prev = PV_VAL;
      return 0;
    }
  }
  return on_reference(ps, false, 0);
}

static int step(dw__ps *ps) {
  dw__tok *t = &ps->tok;
  if (t->nl && (ps->restricted || (ps->prev == PV_VAL && !continues(ps, t)))) stmt_boundary(ps);
  ps->restricted = false;
  bool was_dot = ps->after_dot, was_async = ps->last_async, label = ps->label_next;
  ps->after_dot = ps->last_async = ps->label_next = false;
  if (ps->body_pend >= 0) {
    int r = resolve_body(ps);
    if (r < 0) return r;
    if (r == 1) return 0;
  }
  if (!dw__is_op(t, '(')) { /* `catch {`, junk: a pending head must start right here */
    ps->catch_pend = ps->cond_pend = false;
    if (!dw__is(ps, t, "await")) ps->for_pend = false;
    if (ps->fn_state && t->type != DW_TK_IDENT && !dw__is_op(t, '*') && !dw__is_op(t, '<'))
      ps->fn_state = 0;
  }
  dw__frame *f = dw__top(ps);
  switch (t->type) {
  case DW_TK_IDENT: return on_word(ps, was_dot, label);
  case DW_TK_PUNCT: return on_punct(ps, was_async);
  case DW_TK_HASHBANG: return dw__edit_blank(ps, t->s, t->e);
  case DW_TK_TPL_HEAD:
    TRY(push(ps, F_TPL, BM_NONE, t->s));
    ps->prev = PV_OP;
    return 0;
  case DW_TK_TPL_MID:
  case DW_TK_TPL_TAIL:
    pop_pseudo(ps);
    f = dw__top(ps);
    if (f->kind != F_TPL) return dw__fail(ps, t->s, "Unexpected '}' in template literal");
    if (t->type == DW_TK_TPL_MID) {
      f->ternary = 0;
      ps->prev = PV_OP;
      return 0;
    }
    pop(ps);
    ps->prev = PV_VAL;
    return 0;
  default:
    if (f->kind == F_CLASS && f->pst == P_KEY) {
      if (f->member_s == UINT32_MAX) f->member_s = t->s;
      const dw__tok *p = dw__peek(ps, false);
      if (dw__is_op(p, '(') || (ps->ts && dw__is_op(p, '<'))) {
        ps->fn_state = 2;
        ps->fn_member = f->member_s;
        ps->fn_derived = f->derived;
      }
    } else if (f->kind == F_OBJ && f->pst == P_KEY) {
      const dw__tok *p = dw__peek(ps, false);
      if (dw__is_op(p, '(') || (ps->ts && dw__is_op(p, '<'))) ps->fn_state = 2;
    } else if ((f->bm || f->kind == F_OBJ) && (f->pst == P_BIND || f->pst == P_AFTER)) {
      f->pst = P_EXPR;
    }
    ps->prev = PV_VAL;
    return 0;
  }
}

/* ---- resolution -------------------------------------------------------------------- */

/* Walks scopes in creation order (a pre-order of the scope tree) keeping, per name, how
 * many enclosing scopes declare it; a reference resolves to the import binding only when
 * no enclosing scope declares its name. Linear in scopes + declarations + references. */
static int resolve(dw__ps *ps) {
  int rc = 0;
  uint32_t *count = calloc(ps->nname ? ps->nname : 1, sizeof *count);
  int32_t *stack = malloc((ps->nsc ? ps->nsc : 1) * sizeof *stack);
  uint32_t depth = 0;
  if (!count || !stack) {
    rc = DW_E_NOMEM;
    goto out;
  }
  for (uint32_t i = 0; i < ps->nsc; i++) {
    int32_t parent = ps->sc[i].parent;
    while (depth > 0 && stack[depth - 1] != parent) {
      int32_t s = stack[--depth];
      for (int32_t d = ps->sc[s].decls; d >= 0; d = ps->dc[d].next) count[ps->dc[d].name]--;
    }
    stack[depth++] = (int32_t)i;
    for (int32_t d = ps->sc[i].decls; d >= 0; d = ps->dc[d].next) {
      int32_t nm = ps->dc[d].name;
      count[nm]++;
      if (i == 0 && ps->name_bind[nm] >= 0) {
        const dw__str *sp = &ps->nspan[nm];
        rc = dw__fail(ps, ps->bd[ps->name_bind[nm]].ls,
                      "Identifier '%.*s' has already been declared (it is imported)",
                      (int)DW_MIN(sp->len, 100u), ps->src + sp->off);
        goto out;
      }
    }
    for (int32_t r = ps->sc[i].refs; r >= 0; r = ps->rf[r].next) {
      dw__ref *ref = &ps->rf[r];
      if ((ref->flags & R_DEAD) || count[ref->name] || ps->name_bind[ref->name] < 0) {
        ref->flags |= R_DEAD;
        continue;
      }
      ps->bd[ps->name_bind[ref->name]].uses++;
    }
  }
out:
  free(count);
  free(stack);
  return rc;
}

/* ---- driver ------------------------------------------------------------------------ */

int dw__ps_run(dw__ps *ps) {
  int rc;
  int32_t s0;
  ps->tpl_stack = malloc(DW__MAX_NEST * sizeof *ps->tpl_stack);
  if (!ps->tpl_stack) return DW_E_NOMEM;
  ps->cur = -1;
  ps->body_pend = ps->arrow_pend = ps->fn_name = -1;
  ps->fn_member = UINT32_MAX;
  ps->look_budget = (uint64_t)ps->len * 8 + 100000;
  dw__buf_init(&ps->etext, (size_t)ps->len * 8 + (1u << 20));
  dw__buf_init(&ps->strs, (size_t)ps->len * 4 + (1u << 20));
  /* The prescan lexes the whole module a second time; a module whose bytes never spell
   * "import" has no import for it to find (an escaped keyword is not the keyword). */
  if (has_import(ps->src, ps->len) && (rc = prescan(ps))) return rc;
  if ((rc = new_scope(ps, 1, &s0))) return rc;
  ps->cur = 0;
  if ((rc = push(ps, F_MODULE, BM_NONE, 0))) return rc;
  ps->prev = PV_STMT;
  dw__lex_init(&ps->lx, ps->src, ps->len, ps->tpl_stack);
  for (;;) {
    dw__next(ps);
    if (ps->lx.too_deep) return dw__fail(ps, ps->tok.s, "nesting too deep");
    if (ps->tok.type == DW_TK_EOF) break;
    if ((rc = step(ps))) return ps->err ? ps->err : rc;
    if (ps->err) return ps->err;
  }
  if (ps->body_pend >= 0) ps->cur = ps->sc[ps->body_pend].parent;
  pop_pseudo(ps);
  if (ps->nfr > 1) {
    const dw__frame *f = dw__top(ps);
    char c = ps->src[f->open];
    return dw__fail(ps, f->open, "Unexpected end of input: '%c' is never closed", c);
  }
  return resolve(ps);
}

void dw__ps_free(dw__ps *ps) {
  free(ps->tpl_stack);
  free(ps->fr);
  free(ps->sc);
  free(ps->dc);
  free(ps->rf);
  free(ps->cands);
  free(ps->ed);
  dw__buf_free(&ps->etext);
  dw__buf_free(&ps->strs);
  free(ps->nh);
  free(ps->nspan);
  free(ps->name_bind);
  free(ps->rq);
  free(ps->bd);
  free(ps->ex);
  free(ps->pp);
  free(ps->tnames);
  free(ps->vnames);
  memset(ps, 0, sizeof *ps);
}

int dw__ps_add_name(dw__ps *ps, uint32_t s, uint32_t e, int32_t *id) { return add_name(ps, s, e, id); }

int dw__bind_var(dw__ps *ps, const dw__tok *t, bool exported) { return bind(ps, t, DK_VAR, exported); }

int dw__add_ref_tok(dw__ps *ps, const dw__tok *t) { return add_ref(ps, t, 0, false); }
