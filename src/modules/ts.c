/* TypeScript: strips type syntax by blanking it (keeping line terminators), turns enums into
 * JavaScript on the same lines and notes what the ES module pass needs (type-only names).
 * Types are skipped with an iterative scanner: brackets are counted, never recursed into. */
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

static bool is_word(const dw__ps *ps, const dw__tok *t, const char *const *ws) {
  for (; *ws; ws++)
    if (dw__is(ps, t, *ws)) return true;
  return false;
}

static unsigned count_gt(const dw__ps *ps, const dw__tok *t, bool *has_eq) {
  unsigned n = 0;
  *has_eq = false;
  for (uint32_t i = t->s; i < t->e; i++) {
    if (ps->src[i] == '>') n++;
    else if (ps->src[i] == '=') *has_eq = true;
    else return 0;
  }
  return n;
}

static bool is_gt(const dw__ps *ps, const dw__tok *t) {
  bool eq;
  return t->type == DW_TK_PUNCT && t->op != DW_OP_ARROW && count_gt(ps, t, &eq) > 0;
}

/* The current token is a '>'-family token of which only `need` '>' characters belong to the
 * type: re-lex from just after them. Returns the end offset of the type part. */
static uint32_t split_gt(dw__ps *ps, unsigned need) {
  uint32_t end = ps->tok.s + need;
  if (end < ps->tok.e) {
    ps->lx.pos = end;
    ps->has_pk = false;
    ps->tok.e = end;
  }
  return end;
}

/* Consumes a balanced <...> list; ps->tok is '<'. *end: end offset of the final '>'. */
static int skip_angles(dw__ps *ps, uint32_t *end) {
  uint32_t depth = 1;
  uint32_t open = ps->tok.s;
  for (;;) {
    take(ps);
    const dw__tok *t = &ps->tok;
    if (t->type == DW_TK_EOF) return dw__fail(ps, open, "Unterminated type argument list '<'");
    if (dw__is_op(t, '<')) {
      if (++depth > DW__MAX_NEST) return dw__fail(ps, t->s, "nesting too deep");
    } else if (is_gt(ps, t)) {
      bool eq;
      unsigned n = count_gt(ps, t, &eq);
      if (n >= depth) {
        *end = split_gt(ps, depth);
        return 0;
      }
      depth -= n;
    } else if (dw__is_op(t, ';') && depth == 1) {
      return dw__fail(ps, t->s, "Unexpected ';' in type argument list");
    }
  }
}

int dw__ts_skip_type_args(dw__ps *ps) {
  uint32_t s = ps->tok.s, e;
  TRY(skip_angles(ps, &e));
  ps->prev = PV_VAL;
  return dw__edit_blank(ps, s, e);
}

static const char *const type_prefix[] = {"keyof", "typeof", "readonly", "unique", "infer",
                                           "asserts", "new", "abstract", NULL};

/* Scans one type starting at the token after ps->tok; returns the end offset. */
static int scan_type(dw__ps *ps, bool arrow_ret, uint32_t *end) {
  uint32_t depth = 0, cond = 0;
  bool expect = true, angle0 = false, after_import = false;
  *end = ps->tok.e;
  for (;;) {
    const dw__tok *p = pk(ps);
    if (p->type == DW_TK_EOF) break;
    if (depth > 0) {
      take(ps);
      const dw__tok *t = &ps->tok;
      if (t->type == DW_TK_PUNCT && (t->op == '(' || t->op == '[' || t->op == '{' || t->op == '<')) {
        if (++depth > DW__MAX_NEST) return dw__fail(ps, t->s, "nesting too deep");
      } else if (t->type == DW_TK_TPL_HEAD) {
        depth++;
      } else if (t->type == DW_TK_TPL_TAIL ||
                 (t->type == DW_TK_PUNCT && (t->op == ')' || t->op == ']' || t->op == '}'))) {
        depth--;
      } else if (is_gt(ps, t)) {
        bool eq;
        unsigned n = count_gt(ps, t, &eq);
        if (n >= depth || eq) {
          unsigned used = n >= depth ? depth : n;
          split_gt(ps, used);
          depth -= used;
        } else {
          depth -= n;
        }
      }
      *end = ps->tok.e;
      if (depth == 0) expect = angle0; /* after <T> of a generic function type: its ( follows */
      continue;
    }
    if (expect) {
      if (p->type == DW_TK_IDENT) {
        take(ps);
        *end = ps->tok.e;
        after_import = dw__is(ps, &ps->tok, "import");
        const dw__tok *q = pk(ps);
        bool prefix = is_word(ps, &ps->tok, type_prefix) &&
                      (q->type == DW_TK_IDENT || dw__is_op(q, '(') || dw__is_op(q, '[') ||
                       dw__is_op(q, '{') || dw__is_op(q, '<')) &&
                      !(dw__is(ps, &ps->tok, "asserts") && !(q->type == DW_TK_IDENT));
        if (!prefix) expect = false;
        continue;
      }
      if (p->type == DW_TK_STR || p->type == DW_TK_NUM || p->type == DW_TK_TPL) {
        take(ps);
        *end = ps->tok.e;
        expect = false;
        continue;
      }
      if (p->type == DW_TK_TPL_HEAD) {
        take(ps);
        depth = 1;
        angle0 = false;
        continue;
      }
      if (dw__is_op(p, '-') || dw__is_op(p, '|') || dw__is_op(p, '&') || dw__is_op(p, DW_OP_ELLIPSIS)) {
        take(ps);
        continue;
      }
      if (dw__is_op(p, '(') || dw__is_op(p, '[') || dw__is_op(p, '{') || dw__is_op(p, '<')) {
        angle0 = dw__is_op(p, '<');
        take(ps);
        depth = 1;
        continue;
      }
      break;
    }
    /* after an operand */
    if (dw__is_op(p, '|') || dw__is_op(p, '&') || dw__is_op(p, '.')) {
      take(ps);
      expect = true;
      continue;
    }
    if ((dw__is_op(p, '[') || dw__is_op(p, '<')) && !p->nl) {
      angle0 = false;
      take(ps);
      depth = 1;
      continue;
    }
    if (dw__is_op(p, '(') && after_import) {
      after_import = false;
      angle0 = false;
      take(ps);
      depth = 1;
      continue;
    }
    if (dw__is_op(p, DW_OP_ARROW) && !arrow_ret) {
      take(ps);
      expect = true;
      continue;
    }
    if ((dw__is(ps, p, "extends") || dw__is(ps, p, "is")) && !p->nl) {
      if (dw__is(ps, p, "extends")) cond++;
      take(ps);
      expect = true;
      continue;
    }
    if (dw__is_op(p, '?') && cond > 0) {
      take(ps);
      expect = true;
      continue;
    }
    if (dw__is_op(p, ':') && cond > 0) {
      cond--;
      take(ps);
      expect = true;
      continue;
    }
    break;
  }
  return 0;
}

int dw__ts_skip_type(dw__ps *ps, bool arrow_ret) {
  uint32_t s = ps->tok.s, e;
  if (dw__is(ps, &ps->tok, "as") && dw__is(ps, pk(ps), "const")) {
    take(ps);
    e = ps->tok.e;
  } else {
    TRY(scan_type(ps, arrow_ret, &e));
  }
  ps->prev = PV_VAL;
  return dw__edit_blank(ps, s, e);
}

/* Looks ahead from ps->tok ('<') without consuming: is this a type-argument list
 * (f<T>(x), new Map<K, V>(), x as Array<T>)? Bounded by a per-call and a total budget. */
bool dw__ts_type_args_follow(dw__ps *ps) {
  dw__lexer save = ps->lx;
  bool had = ps->has_pk;
  dw__tok saved_pk = ps->pk, t;
  bool ok = false, first = true;
  uint32_t depth = 1, n = 0;
  for (;;) {
    if (ps->look_budget == 0 || ++n > 4096) break;
    ps->look_budget--;
    if (first && had) t = saved_pk;
    else dw__lex_next(&ps->lx, false, &t);
    first = false;
    if (t.type == DW_TK_EOF) break;
    if (t.type != DW_TK_PUNCT) continue;
    if (t.op == '<') {
      depth++;
      continue;
    }
    bool eq;
    unsigned g = t.op == DW_OP_ARROW ? 0 : count_gt(ps, &t, &eq);
    if (g) {
      if (eq || g > depth) break;
      depth -= g;
      if (depth == 0) {
        dw__tok q;
        dw__lex_next(&ps->lx, false, &q);
        ok = q.nl || q.type == DW_TK_EOF || q.type == DW_TK_TPL || q.type == DW_TK_TPL_HEAD ||
             dw__is_op(&q, '(') || dw__is_op(&q, ')') || dw__is_op(&q, ']') || dw__is_op(&q, ',') ||
             dw__is_op(&q, ';') || dw__is_op(&q, '.') || dw__is_op(&q, DW_OP_OPTCHAIN) ||
             dw__is_op(&q, '}') || dw__is_op(&q, '{') || dw__tok_is(ps->src, &q, "implements");
        break;
      }
      continue;
    }
    if (!(t.op == ',' || t.op == '.' || t.op == '[' || t.op == ']' || t.op == '(' || t.op == ')' ||
          t.op == '{' || t.op == '}' || t.op == '|' || t.op == '&' || t.op == DW_OP_ARROW ||
          t.op == ':' || t.op == ';' || t.op == '?' || t.op == '-' || t.op == DW_OP_ELLIPSIS))
      break;
  }
  ps->lx = save;
  ps->has_pk = had;
  ps->pk = saved_pk;
  return ok;
}

/* '<' where an operand is expected: `<T,>(x: T) => x` (generic arrow) or `<T>x` (an
 * angle-bracket assertion, which we reject). */
int dw__ts_angle_operand(dw__ps *ps) {
  uint32_t s = ps->tok.s;
  dw__lexer save = ps->lx;
  bool had = ps->has_pk;
  dw__tok saved_pk = ps->pk, t;
  uint32_t depth = 1, n = 0;
  bool arrow = false, first = true;
  for (;;) {
    if (++n > 4096 || ps->look_budget == 0) break;
    ps->look_budget--;
    if (first && had) t = saved_pk;
    else dw__lex_next(&ps->lx, false, &t);
    first = false;
    if (t.type == DW_TK_EOF) break;
    if (dw__is_op(&t, '<')) depth++;
    bool eq;
    unsigned g = (t.type == DW_TK_PUNCT && t.op != DW_OP_ARROW) ? count_gt(ps, &t, &eq) : 0;
    if (g) {
      if (g >= depth) {
        dw__tok q;
        dw__lex_next(&ps->lx, false, &q);
        arrow = dw__is_op(&q, '(');
        break;
      }
      depth -= g;
    }
  }
  ps->lx = save;
  ps->has_pk = had;
  ps->pk = saved_pk;
  if (!arrow)
    return dw__fail(ps, s, "Type assertions with angle brackets (<T>x) are not supported; use 'x as T'");
  uint32_t e;
  TRY(skip_angles(ps, &e));
  ps->prev = PV_OP;
  return dw__edit_blank(ps, s, e);
}

/* Blanks a statement that is only types, from `from` through its end: a ';', a line break
 * where the statement cannot continue, or the '}' closing a body at depth 0. */
int dw__ts_blank_statement(dw__ps *ps, uint32_t from) {
  static const char *const brace_words[] = {"class", "module", "namespace", "global", "enum",
                                            "interface", NULL};
  static const char *const lead_words[] = {"declare", "export", "default", "abstract", "const", NULL};
  bool brace_mode = false, decided = false, ended = false;
  uint32_t depth = 0, end = ps->tok.e;
  dw__tok last = ps->tok;
  /* the statement's own first word decides how it ends */
  for (const dw__tok *t = &ps->tok;;) {
    if (is_word(ps, t, brace_words)) {
      brace_mode = true;
      decided = true;
    } else if (!is_word(ps, t, lead_words)) {
      decided = true;
    }
    if (dw__is(ps, t, "type") || dw__is(ps, t, "interface")) {
      const dw__tok *q = pk(ps);
      if (q->type == DW_TK_IDENT) {
        TRY(dw__grow_arr((void **)&ps->tnames, &ps->ctn, sizeof *ps->tnames, ps->ntn + 1));
        ps->tnames[ps->ntn].off = q->s;
        ps->tnames[ps->ntn++].len = q->e - q->s;
      }
    }
    if (decided) break;
    take(ps);
    t = &ps->tok;
    end = t->e;
    last = *t;
  }
  while (!ended) {
    const dw__tok *p = pk(ps);
    if (p->type == DW_TK_EOF) break;
    if (depth == 0) {
      if (dw__is_op(p, ';')) {
        take(ps);
        end = ps->tok.e;
        break;
      }
      if (dw__is_op(p, '}')) break;
      bool cont_prev = last.type == DW_TK_PUNCT &&
                       (last.op == '=' || last.op == ':' || last.op == '|' || last.op == '&' ||
                        last.op == ',' || last.op == DW_OP_ARROW || last.op == '<' || last.op == '.' ||
                        last.op == '(' || last.op == '[' || last.op == '{' || last.op == '?');
      bool cont_next = p->type == DW_TK_PUNCT &&
                       (p->op == '|' || p->op == '&' || p->op == '.' || p->op == DW_OP_ARROW ||
                        p->op == '=' || p->op == '{' || p->op == '?' || p->op == ':' ||
                        is_gt(ps, p) || p->op == '<');
      if (p->nl && !brace_mode && !cont_prev && !cont_next && !dw__is(ps, p, "extends")) break;
    }
    take(ps);
    const dw__tok *t = &ps->tok;
    last = *t;
    end = t->e;
    if (t->type == DW_TK_PUNCT && (t->op == '(' || t->op == '[' || t->op == '{')) {
      if (++depth > DW__MAX_NEST) return dw__fail(ps, t->s, "nesting too deep");
    } else if (t->type == DW_TK_TPL_HEAD) {
      depth++;
    } else if (t->type == DW_TK_TPL_TAIL || (t->type == DW_TK_PUNCT && (t->op == ')' || t->op == ']'))) {
      if (depth) depth--;
    } else if (dw__is_op(t, '}')) {
      if (depth) depth--;
      if (depth == 0 && brace_mode) ended = true;
    }
  }
  ps->prev = PV_STMT;
  return dw__edit_blank(ps, from, end);
}

static int record_tname(dw__ps *ps, const dw__tok *t) {
  TRY(dw__grow_arr((void **)&ps->tnames, &ps->ctn, sizeof *ps->tnames, ps->ntn + 1));
  ps->tnames[ps->ntn].off = t->s;
  ps->tnames[ps->ntn++].len = t->e - t->s;
  return 0;
}

/* type X<T> = ...; */
static int type_alias(dw__ps *ps) {
  uint32_t s = ps->tok.s, e;
  take(ps);
  TRY(record_tname(ps, &ps->tok));
  if (dw__is_op(pk(ps), '<')) {
    take(ps);
    TRY(skip_angles(ps, &e));
  }
  if (!dw__is_op(pk(ps), '=')) return dw__fail(ps, pk(ps)->s, "Expected '=' in type alias");
  take(ps);
  TRY(scan_type(ps, false, &e));
  if (dw__is_op(pk(ps), ';')) {
    take(ps);
    e = ps->tok.e;
  }
  ps->prev = PV_STMT;
  return dw__edit_blank(ps, s, e);
}

int dw__ts_enum(dw__ps *ps, uint32_t from, bool exported) {
  int rc = 0;
  dw_buf b;
  dw__buf_init(&b, 1u << 20);
  dw__str *members = NULL;
  uint32_t nm = 0, cm = 0;
  if (dw__is(ps, &ps->tok, "const")) take(ps);
  take(ps);
  dw__tok name = ps->tok;
  const char *E = ps->src + name.s;
  int En = (int)(name.e - name.s);
  if (name.type != DW_TK_IDENT) {
    rc = dw__fail(ps, name.s, "Expected an enum name");
    goto out;
  }
  if ((rc = dw__bind_var(ps, &name, exported))) goto out;
  take(ps);
  if (!dw__is_op(&ps->tok, '{')) {
    rc = dw__fail(ps, ps->tok.s, "Expected '{' after the enum name");
    goto out;
  }
  if ((rc = dw__buf_printf(&b, "var %.*s;(function(%.*s){", En, E, En, E))) goto out;
  if ((rc = dw__edit_keep_lines(ps, from, ps->tok.e, b.data, b.len))) goto out;
  /* auto-increment state: known numeric value, or the previous member's name */
  bool known = true;
  long long next = 0;
  dw__str prev_name = {0, 0};
  for (;;) {
    take(ps);
    dw__tok m = ps->tok;
    if (dw__is_op(&m, '}')) break;
    if (m.type != DW_TK_IDENT && m.type != DW_TK_STR) {
      rc = dw__fail(ps, m.s, "Expected an enum member name");
      goto out;
    }
    if (nm >= 10000) {
      rc = dw__fail(ps, m.s, "enum has too many members (max 10000)");
      goto out;
    }
    dw__str mname;
    if (m.type == DW_TK_STR) rc = dw__decode_str(ps, &m, &mname);
    else rc = dw__add_str(ps, ps->src + m.s, m.e - m.s, &mname);
    if (rc || (rc = dw__grow_arr((void **)&members, &cm, sizeof *members, nm + 1))) goto out;
    members[nm++] = mname;
    dw__buf_reset(&b);
    const dw__tok *p = pk(ps);
    if (dw__is_op(p, '=')) {
      take(ps);
      uint32_t eq_e = ps->tok.e;
      /* initializer: tokens up to ',' or '}' at depth 0 */
      uint32_t depth = 0, ntok = 0;
      bool is_str = false, is_num = false, neg = false, after_dot = false;
      long long val = 0;
      for (;;) {
        p = pk(ps);
        if (p->type == DW_TK_EOF) {
          rc = dw__fail(ps, m.s, "Unterminated enum");
          goto out;
        }
        if (depth == 0 && (dw__is_op(p, ',') || dw__is_op(p, '}'))) break;
        take(ps);
        dw__tok t = ps->tok;
        ntok++;
        if (t.type == DW_TK_PUNCT && (t.op == '(' || t.op == '[' || t.op == '{')) depth++;
        else if (t.type == DW_TK_PUNCT && (t.op == ')' || t.op == ']' || t.op == '}') && depth) depth--;
        if (ntok == 1 && (t.type == DW_TK_STR || t.type == DW_TK_TPL)) is_str = true;
        if (ntok == 1 && dw__is_op(&t, '-')) neg = true;
        if (t.type == DW_TK_NUM && (ntok == 1 || (ntok == 2 && neg))) {
          is_num = true;
          val = 0;
          for (uint32_t i = t.s; i < t.e; i++) {
            char c = ps->src[i];
            if (c < '0' || c > '9' || val > 1000000000000LL) {
              is_num = false;
              break;
            }
            val = val * 10 + (c - '0');
          }
          if (neg) val = -val;
        }
        if (t.type == DW_TK_IDENT && !after_dot) {
          bool member = false;
          for (uint32_t k = 0; k + 1 < nm && !member; k++)
            member = members[k].len == t.e - t.s &&
                     memcmp(ps->strs.data + members[k].off, ps->src + t.s, t.e - t.s) == 0;
          if (member) {
            dw_buf r;
            dw__buf_init(&r, 4096);
            rc = dw__buf_printf(&r, "%.*s.", En, E);
            if (!rc) rc = dw__buf_append(&r, ps->src + t.s, t.e - t.s);
            if (!rc) rc = dw__edit_text(ps, t.s, t.e, r.data, r.len);
            dw__buf_free(&r);
            if (rc) goto out;
          } else if ((rc = dw__add_ref_tok(ps, &t))) {
            goto out;
          }
        }
        after_dot = dw__is_op(&t, '.') || dw__is_op(&t, DW_OP_OPTCHAIN);
      }
      if (ntok > 2 || (ntok == 2 && !neg)) is_str = is_num = false;
      if (is_str) {
        rc = dw__buf_printf(&b, "%.*s[", En, E);
        if (!rc) rc = dw__put_jsstr(&b, ps->strs.data + mname.off, mname.len);
        if (!rc) rc = dw__buf_puts(&b, "]=");
      } else {
        rc = dw__buf_printf(&b, "%.*s[%.*s[", En, E, En, E);
        if (!rc) rc = dw__put_jsstr(&b, ps->strs.data + mname.off, mname.len);
        if (!rc) rc = dw__buf_puts(&b, "]=");
      }
      if (rc || (rc = dw__edit_keep_lines(ps, m.s, eq_e, b.data, b.len))) goto out;
      dw__buf_reset(&b);
      if (is_str) {
        rc = dw__buf_puts(&b, ";");
      } else {
        rc = dw__buf_puts(&b, "]=");
        if (!rc) rc = dw__put_jsstr(&b, ps->strs.data + mname.off, mname.len);
        if (!rc) rc = dw__buf_puts(&b, ";");
      }
      if (rc) goto out;
      known = is_num;
      next = val + 1;
    } else {
      rc = dw__buf_printf(&b, "%.*s[%.*s[", En, E, En, E);
      if (!rc) rc = dw__put_jsstr(&b, ps->strs.data + mname.off, mname.len);
      if (!rc) rc = dw__buf_puts(&b, "]=");
      if (!rc && known) rc = dw__buf_printf(&b, "%lld", next);
      if (!rc && !known) {
        rc = dw__buf_printf(&b, "%.*s[", En, E);
        if (!rc) rc = dw__put_jsstr(&b, ps->strs.data + prev_name.off, prev_name.len);
        if (!rc) rc = dw__buf_puts(&b, "]+1");
      }
      if (!rc) rc = dw__buf_puts(&b, "]=");
      if (!rc) rc = dw__put_jsstr(&b, ps->strs.data + mname.off, mname.len);
      if (!rc) rc = dw__buf_puts(&b, ";");
      if (rc || (rc = dw__edit_keep_lines(ps, m.s, m.e, b.data, b.len))) goto out;
      dw__buf_reset(&b);
      next++;
    }
    prev_name = mname;
    /* the terminator: ',' is replaced by the member's tail; before '}' it is inserted */
    p = pk(ps);
    if (dw__is_op(p, ',')) {
      take(ps);
      rc = b.len ? dw__edit_text(ps, ps->tok.s, ps->tok.e, b.data, b.len) : dw__edit_blank(ps, ps->tok.s, ps->tok.e);
    } else if (dw__is_op(p, '}')) {
      if (b.len) rc = dw__edit_text(ps, p->s, p->s, b.data, b.len);
    } else {
      rc = dw__fail(ps, p->s, "Expected ',' or '}' in enum");
    }
    if (rc) goto out;
  }
  dw__buf_reset(&b);
  if ((rc = dw__buf_printf(&b, "})(%.*s||(%.*s={}));", En, E, En, E))) goto out;
  rc = dw__edit_text(ps, ps->tok.s, ps->tok.e, b.data, b.len);
  ps->prev = PV_STMT;
out:
  dw__buf_free(&b);
  free(members);
  return rc;
}

int dw__ts_statement(dw__ps *ps, bool *handled) {
  const dw__tok *t = &ps->tok;
  const dw__tok *p = pk(ps);
  bool next_name = (p->type == DW_TK_IDENT) && !p->nl;
  *handled = true;
  if (dw__is(ps, t, "type") && next_name) return type_alias(ps);
  if (dw__is(ps, t, "interface") && next_name) {
    TRY(record_tname(ps, p));
    return dw__ts_blank_statement(ps, t->s);
  }
  if ((dw__is(ps, t, "enum") && next_name) || (dw__is(ps, t, "const") && dw__is(ps, p, "enum"))) {
    bool exported = ps->exp_next;
    ps->exp_next = false;
    return dw__ts_enum(ps, t->s, exported);
  }
  if (dw__is(ps, t, "declare") && (next_name || (p->type == DW_TK_IDENT && !p->nl))) {
    uint32_t s = ps->exp_next ? ps->exp_start : t->s;
    ps->exp_next = false;
    return dw__ts_blank_statement(ps, s);
  }
  if (dw__is(ps, t, "abstract") && dw__is(ps, p, "class") && !p->nl) {
    TRY(dw__edit_blank(ps, t->s, t->e));
    ps->prev = PV_STMT;
    return 0;
  }
  if ((dw__is(ps, t, "namespace") || dw__is(ps, t, "module")) && !p->nl &&
      (p->type == DW_TK_IDENT || p->type == DW_TK_STR))
    return dw__fail(ps, t->s, "TypeScript namespaces are not supported; use ES modules");
  *handled = false;
  return 0;
}

/* Blanks the class member that starts at f->member_s and ends at ';' or a line break. */
static int blank_member(dw__ps *ps, dw__frame *f) {
  uint32_t s = f->member_s != UINT32_MAX ? f->member_s : ps->tok.s;
  uint32_t end = ps->tok.e, depth = 0;
  if (dw__is_op(&ps->tok, '[')) depth = 1;
  for (;;) {
    const dw__tok *p = pk(ps);
    if (p->type == DW_TK_EOF) break;
    if (depth == 0) {
      if (dw__is_op(p, ';')) {
        take(ps);
        end = ps->tok.e;
        break;
      }
      if (dw__is_op(p, '}')) break;
      if (p->nl && !(p->type == DW_TK_PUNCT && (p->op == '|' || p->op == '&' || p->op == '.' ||
                                                p->op == DW_OP_ARROW || p->op == ':' || p->op == '{')))
        break;
    }
    take(ps);
    const dw__tok *t = &ps->tok;
    end = t->e;
    if (t->type == DW_TK_PUNCT && (t->op == '(' || t->op == '[' || t->op == '{')) {
      if (++depth > DW__MAX_NEST) return dw__fail(ps, t->s, "nesting too deep");
    } else if (t->type == DW_TK_PUNCT && (t->op == ')' || t->op == ']' || t->op == '}')) {
      if (depth) depth--;
    }
  }
  f = dw__top(ps);
  f->pst = P_KEY;
  f->member_s = UINT32_MAX;
  ps->prev = PV_STMT;
  return dw__edit_blank(ps, s, end);
}

static const char *const modifiers[] = {"public", "private", "protected", "readonly", "override",
                                        "declare", "abstract", NULL};

int dw__ts_class_member(dw__ps *ps, bool *handled) {
  dw__frame *f = dw__top(ps);
  const dw__tok *t = &ps->tok;
  *handled = false;
  if (f->member_s == UINT32_MAX) f->member_s = t->s;
  if (dw__is_op(t, '[')) { /* [key: string]: T  (index signature) */
    dw__lexer save = ps->lx;
    bool had = ps->has_pk;
    dw__tok saved = ps->pk, a, b;
    if (had) a = saved;
    else dw__lex_next(&ps->lx, false, &a);
    dw__lex_next(&ps->lx, false, &b);
    ps->lx = save;
    ps->has_pk = had;
    ps->pk = saved;
    if (a.type == DW_TK_IDENT && dw__is_op(&b, ':')) {
      *handled = true;
      return blank_member(ps, f);
    }
    return 0;
  }
  if (!is_word(ps, t, modifiers)) return 0;
  const dw__tok *p = pk(ps);
  if (p->nl || !(p->type == DW_TK_IDENT || p->type == DW_TK_STR || p->type == DW_TK_NUM ||
                 p->type == DW_TK_PRIVATE || dw__is_op(p, '[') || dw__is_op(p, '*')))
    return 0;
  *handled = true;
  if (dw__is(ps, t, "declare") || dw__is(ps, t, "abstract")) return blank_member(ps, f);
  ps->prev = PV_OP;
  return dw__edit_blank(ps, t->s, t->e);
}

int dw__ts_param_prefix(dw__ps *ps, bool *handled) {
  dw__frame *f = dw__top(ps);
  const dw__tok *t = &ps->tok;
  const dw__tok *p = pk(ps);
  *handled = false;
  if (dw__is(ps, t, "this") && (dw__is_op(p, ':') || dw__is_op(p, ',') || dw__is_op(p, ')'))) {
    *handled = true;
    f->pst = P_AFTER;
    ps->this_param = true;
    ps->prev = PV_VAL;
    return dw__edit_blank(ps, t->s, t->e);
  }
  if (is_word(ps, t, modifiers) &&
      (p->type == DW_TK_IDENT || dw__is_op(p, '{') || dw__is_op(p, '['))) {
    *handled = true;
    if (f->ctor) ps->pprop_next = true;
    return dw__edit_blank(ps, t->s, t->e);
  }
  return 0;
}

int dw__ts_implements(dw__ps *ps) {
  uint32_t s = ps->tok.s, e = ps->tok.e, angle = 0;
  for (;;) {
    const dw__tok *p = pk(ps);
    if (p->type == DW_TK_EOF || (angle == 0 && dw__is_op(p, '{'))) break;
    take(ps);
    e = ps->tok.e;
    if (dw__is_op(&ps->tok, '<')) angle++;
    else if (is_gt(ps, &ps->tok)) {
      bool eq;
      unsigned n = count_gt(ps, &ps->tok, &eq);
      angle = n > angle ? 0 : angle - n;
    }
  }
  ps->prev = PV_VAL;
  return dw__edit_blank(ps, s, e);
}
