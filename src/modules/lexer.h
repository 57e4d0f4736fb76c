/* modules: a JavaScript/TypeScript tokenizer over a byte buffer (internal to src/modules).
 * It never reads outside [src, src+len) and never fails: malformed input (an unterminated
 * string, comment, template or regex) yields a token that runs to where the engine would
 * also stop, and the engine reports the error later. Whether a '/' starts a regex is the
 * caller's decision (regex_ok); template literals are tracked here with a bounded stack. */
#ifndef DW_MODULES_LEXER_H
#define DW_MODULES_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Maximum nesting of template substitutions (and of the tracker's brackets). */
#define DW__MAX_NEST 2000

enum {
  DW_TK_EOF,
  DW_TK_IDENT,    /* identifiers and keywords */
  DW_TK_PUNCT,    /* op holds the operator code */
  DW_TK_NUM,
  DW_TK_STR,
  DW_TK_TPL,      /* `...` without substitutions */
  DW_TK_TPL_HEAD, /* `...${ */
  DW_TK_TPL_MID,  /* }...${ */
  DW_TK_TPL_TAIL, /* }...` */
  DW_TK_REGEX,
  DW_TK_PRIVATE, /* #name */
  DW_TK_HASHBANG /* #!... on the first line */
};

/* Operator codes: single characters are their own code; longer operators below. */
enum {
  DW_OP_ARROW = 256, /* => */
  DW_OP_ELLIPSIS,    /* ... */
  DW_OP_OPTCHAIN,    /* ?. */
  DW_OP_INC,         /* ++ */
  DW_OP_DEC,         /* -- */
  DW_OP_ASSIGN,      /* += -= etc. (compound assignment) */
  DW_OP_OTHER        /* any other multi-character operator (== && >> ...) */
};

typedef struct {
  uint8_t type;
  bool nl;     /* a line terminator precedes this token (since the previous token) */
  uint16_t op; /* DW_TK_PUNCT only */
  uint32_t s, e;
} dw__tok;

typedef struct {
  const char *src;
  uint32_t len, pos;
  uint32_t brace;      /* open '{' count, for template continuation */
  uint32_t *tpl;       /* brace count at each open ${ (caller-owned, DW__MAX_NEST long) */
  uint32_t tpl_depth;
  bool too_deep;       /* template nesting exceeded DW__MAX_NEST */
} dw__lexer;

/* Starts lexing src[0..len); tpl_stack must hold DW__MAX_NEST entries (borrowed). */
void dw__lex_init(dw__lexer *lx, const char *src, uint32_t len, uint32_t *tpl_stack);
/* Reads the next token into *t. regex_ok: a '/' here starts a regular expression. */
void dw__lex_next(dw__lexer *lx, bool regex_ok, dw__tok *t);
/* True if the token's text equals the NUL-terminated word w. */
bool dw__tok_is(const char *src, const dw__tok *t, const char *w);
/* Length of the line terminator at p (\n, \r, \r\n counts 1 each byte; U+2028/9 = 3), or 0. */
size_t dw__line_term(const char *p, size_t avail);

#endif
