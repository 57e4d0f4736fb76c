/* modules: the token tracker shared by parse.c (scopes, brackets, references), esm.c
 * (import/export statements, output) and ts.c (TypeScript stripping). Internal only.
 *
 * One pass over the tokens keeps a stack of bracket frames (block, object, class body,
 * parameter list, ...) and a tree of scopes. It records edits against the source (blank a
 * range, or replace it with text), declarations and references of the names that import
 * declarations bind, and the module's imports and exports. The output is assembled once at
 * the end, when every import is known (imports are hoisted). */
#ifndef DW_MODULES_PARSE_H
#define DW_MODULES_PARSE_H

#include "util/util.h"
#include "modules/lexer.h"
#include "modules/transform.h"

/* What the previous token leaves us expecting. */
enum { PV_STMT, PV_OP, PV_VAL };

/* Frame kinds. */
enum {
  F_MODULE, F_BLOCK, F_FBODY, F_CLASS, F_OBJ, F_ARR, F_PAREN, F_CALL, F_PARAMS, F_COND, F_FOR,
  F_TPL,
  F_ARROWX, /* pseudo-frame: expression body of an arrow function */
  F_STMTX   /* pseudo-frame: brace-less body of a for statement (its head scope) */
};

/* Binding mode of pattern-capable frames. */
enum { BM_NONE, BM_DECL, BM_CAND };
/* Pattern / object / class-member state. */
enum { P_KEY, P_BIND, P_AFTER, P_EXPR };
/* Statement-level declaration state. */
enum { DS_NONE, DS_BIND, DS_AFTER, DS_INIT };
/* Declaration kinds. */
enum { DK_LET, DK_VAR };

typedef struct {
  uint8_t kind, bm, pst, dkind;
  uint8_t ds, ds_kind; /* let/const/var statement in this frame */
  bool exp;            /* bindings here are exported (export const ...) */
  bool ds_exp;
  bool is_decl;        /* F_FBODY/F_CLASS: a declaration (its '}' ends a statement) */
  bool at_start;       /* F_FOR: right after '(' */
  bool in_case;
  bool ctor;           /* F_PARAMS / F_FBODY: a class constructor */
  bool derived;        /* F_CLASS: has extends */
  bool dflt_anon;      /* F_CLASS: export default class {} */
  bool catch_;         /* F_PARAMS: catch clause */
  bool is_arrow;
  bool cls_decl, cls_anon, cls_derived; /* of the outermost class pending at this level */
  uint32_t ternary;
  uint32_t cls_pend;   /* class keywords waiting for their body at this level */
  uint32_t cand_start;
  int32_t restore;     /* scope to restore when popped */
  int32_t scope;       /* scope opened by this frame (or -1) */
  uint32_t open;       /* source offset of the opening token */
  uint32_t member_s;   /* F_CLASS: start of the current member (TS) */
  uint32_t ctor_props; /* F_PARAMS/F_FBODY: index into pprops of this ctor's props */
  uint32_t nctor_props;
} dw__frame;

typedef struct {
  int32_t parent, func, decls, refs;
  uint8_t kind; /* 0 block, 1 function */
} dw__scope;

typedef struct {
  int32_t name, next;
} dw__decl;

enum { R_CALL = 1, R_SHORT = 2, R_DEAD = 4 };
typedef struct {
  uint32_t s, e;
  int32_t name, next;
  uint8_t flags;
} dw__ref;

typedef struct {
  uint32_t s, e;    /* source range replaced */
  uint32_t text;    /* offset in etext, or UINT32_MAX: blank the range */
  uint32_t tlen;
  uint32_t seq;
} dw__edit;

/* A string in the arena (ps->strs). */
typedef struct {
  uint32_t off, len;
} dw__str;

typedef struct {
  dw__str spec;  /* decoded specifier */
  dw__str names; /* JSON list body: "a","b" */
  bool keep;     /* side-effect import or a value binding is used */
  bool typed;    /* TS: all its bindings may be elided */
} dw__req;

enum { B_NAMED, B_NS };
typedef struct {
  uint32_t ls, le; /* local name in the source */
  int32_t req;
  dw__str imported;
  uint8_t kind;
  uint32_t uses;
} dw__binding;

enum { X_LOCAL, X_REEXPORT, X_NS, X_STAR };
typedef struct {
  uint8_t kind;
  dw__str name;  /* exported name */
  dw__str local; /* X_LOCAL: local name; X_REEXPORT: imported name */
  int32_t req;
  uint32_t ls, le;    /* X_LOCAL: the local name in the source (0,0 if synthetic) */
  int32_t bind;       /* X_LOCAL naming an import binding: its index, else -1 */
  bool ts_maybe_type; /* TS: export { X } that may name a type (checked at the end) */
} dw__export;

/* Constructor parameter property (TS). */
typedef struct {
  uint32_t s, e; /* the parameter name */
} dw__pprop;

typedef struct {
  const char *src;
  uint32_t len;
  bool ts;
  dw__lexer lx;
  uint32_t *tpl_stack;
  dw__tok tok, pk;
  bool has_pk;
  uint8_t prev;
  bool after_dot, label_next, restricted, last_async;
  /* pending constructs */
  uint8_t fn_state; /* 0 none, 1 after 'function', 2 method/params next */
  bool fn_decl, fn_exp, fn_ctor, fn_derived, cls_name_next, cls_decl_now, cls_exp, cls_tparams;
  uint32_t fn_member;  /* TS: where a body-less signature starts (blanked), or UINT32_MAX */
  uint32_t cls_kw_end;
  bool exp_next;       /* the next declaration is exported (export was blanked) */
  uint32_t exp_start;
  bool async_stmt;
  uint32_t async_start;
  bool pprop_next, super_want, cls_named_dflt, this_param;
  int32_t dflt_export; /* index of the export default entry whose local is pending */
  int32_t fn_name;    /* expression name to declare in the function scope (name id) */
  int32_t cls_scope;
  bool catch_pend, for_pend, cond_pend;
  int32_t body_pend; /* scope waiting for its '{' body (function, catch, for), or -1 */
  uint8_t body_kind; /* F_FBODY / F_BLOCK / F_STMTX */
  bool body_decl, body_derived;
  uint32_t body_member, body_props, body_nprops;
  int32_t arrow_pend;
  bool dflt_fn_anon; /* export default function(){}: name it __dw_default */
  bool dflt_cls_anon;
  bool super_props;  /* TS: a derived constructor waiting for super(...) */
  uint32_t super_depth, super_props_i, super_props_n;

  dw__frame *fr;
  uint32_t nfr, cfr;
  dw__scope *sc;
  uint32_t nsc, csc;
  int32_t cur;
  dw__decl *dc;
  uint32_t ndc, cdc;
  dw__ref *rf;
  uint32_t nrf, crf;
  uint32_t *cands;
  uint32_t ncand, ccand;
  dw__edit *ed;
  uint32_t ned, ced;
  dw_buf etext; /* replacement texts */
  dw_buf strs;  /* decoded strings */

  /* names that import declarations may bind (pre-scan), open-addressed hash of spans */
  uint32_t *nh; /* 1 + index into nspan, 0 empty */
  uint32_t nhcap;
  dw__str *nspan; /* spans into src */
  uint32_t nname, cname;
  int32_t *name_bind; /* binding index per name, -1 */

  dw__req *rq;
  uint32_t nrq, crq;
  dw__binding *bd;
  uint32_t nbd, cbd;
  dw__export *ex;
  uint32_t nex, cex;
  dw__str *fixups; /* prologue statements for anonymous default functions */
  bool dflt_fn_fix;
  dw__pprop *pp;
  uint32_t npp, cpp;
  /* TS: top-level type-only names and value names (hash sets over spans) */
  dw__str *tnames;
  uint32_t ntn, ctn;
  dw__str *vnames;
  uint32_t nvn, cvn;

  bool has_tla;
  bool has_dyn_import; /* import(...) */
  bool plain;          /* input: a simple module is wrapped in a plain function (esm.c) */
  uint32_t prefix_units; /* output: UTF-16 units of wrapper before the source on line 1 */
  uint64_t look_budget; /* tokens TypeScript lookahead may still scan */
  int err;
  char msg[256];
  uint32_t err_pos;
} dw__ps;

#define DW__GROW(ps, arr, n, cap)                                                         \
  ((n) < (cap) ? 0 : dw__grow_arr((void **)&(arr), &(cap), sizeof *(arr), (n) + 1))
int dw__grow_arr(void **arr, uint32_t *cap, size_t elem, uint32_t need);

/* parse.c */
int dw__ps_run(dw__ps *ps);
void dw__ps_free(dw__ps *ps);
void dw__next(dw__ps *ps);                 /* advance ps->tok (uses the peeked token) */
const dw__tok *dw__peek(dw__ps *ps, bool regex_ok);
int dw__fail(dw__ps *ps, uint32_t pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int dw__edit_blank(dw__ps *ps, uint32_t s, uint32_t e);
int dw__edit_text(dw__ps *ps, uint32_t s, uint32_t e, const char *text, size_t n);
int dw__edit_str(dw__ps *ps, uint32_t s, uint32_t e, const char *text);
int32_t dw__name_id(const dw__ps *ps, uint32_t s, uint32_t e);
int dw__add_str(dw__ps *ps, const char *p, size_t n, dw__str *out);
int dw__decode_str(dw__ps *ps, const dw__tok *t, dw__str *out);
bool dw__is(const dw__ps *ps, const dw__tok *t, const char *w);
bool dw__is_op(const dw__tok *t, int op);
int dw__declare_top(dw__ps *ps, uint32_t s, uint32_t e, bool exported);
dw__frame *dw__top(dw__ps *ps);
int dw__ps_add_name(dw__ps *ps, uint32_t s, uint32_t e, int32_t *id);
int dw__bind_var(dw__ps *ps, const dw__tok *t, bool exported);
int dw__add_ref_tok(dw__ps *ps, const dw__tok *t);
int dw__edit_keep_lines(dw__ps *ps, uint32_t s, uint32_t e, const char *text, size_t n);
/* Appends "..." for bytes p[0..n), escaping quotes, controls and U+2028/9 (one line). */
int dw__put_jsstr(dw_buf *b, const char *p, size_t n);

/* esm.c */
int dw__esm_import(dw__ps *ps);
int dw__esm_export(dw__ps *ps);
int dw__esm_output(dw__ps *ps, dw_buf *out);
/* No import, re-export or import() (after dw__ps_run): nothing to link. */
bool dw__esm_simple(const dw__ps *ps);
/* export default function f / class C: the local name is f (s..e), or __dw_default (0,0). */
int dw__set_default_local(dw__ps *ps, uint32_t s, uint32_t e);

/* ts.c */
/* ps->tok is ':' / 'as' / 'satisfies' / '=': blanks it and the type after it. arrow_ret: a
 * return type before '=>' (a top-level '=>' ends the type). */
int dw__ts_skip_type(dw__ps *ps, bool arrow_ret);
int dw__ts_implements(dw__ps *ps);          /* ps->tok is 'implements': blank to '{' */
int dw__ts_angle_operand(dw__ps *ps);       /* '<' where a value starts: generic arrow or error */
int dw__ts_skip_type_args(dw__ps *ps);     /* ps->tok is '<': blank a <...> list */
bool dw__ts_type_args_follow(dw__ps *ps);  /* peeked '<' after a value starts type args */
int dw__ts_statement(dw__ps *ps, bool *handled); /* type/interface/enum/declare/... */
int dw__ts_blank_statement(dw__ps *ps, uint32_t from); /* blank from 'from' to statement end */
int dw__ts_enum(dw__ps *ps, uint32_t from, bool exported);
int dw__ts_class_member(dw__ps *ps, bool *handled);
int dw__ts_param_prefix(dw__ps *ps, bool *handled);

#endif
