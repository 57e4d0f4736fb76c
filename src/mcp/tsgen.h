/* mcp/tsgen: MCP tool schemas (JSON Schema) -> TypeScript declarations for Code Mode.
 * Mapping, caps and what degrades to `unknown`: docs/internals/tsgen.md. Every schema is
 * untrusted (it comes from an upstream MCP server): nothing here crashes or grows without a
 * bound on any input; all functions are pure (no global state) and do not block. */
#ifndef DW_MCP_TSGEN_H
#define DW_MCP_TSGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "util/util.h"

#define DW__TS_MAX_DEPTH 64            /* schema nesting (objects, arrays, unions, refs) */
#define DW__TS_MAX_TYPES 256           /* named types ($ref targets) per schema */
#define DW__TS_MAX_ENUM 256            /* enum members; a longer enum degrades to its type */
#define DW__TS_MAX_UNION 256           /* anyOf/oneOf/allOf/type-array members */
#define DW__TS_MAX_DOC 400             /* bytes of one doc comment (longer: cut, "...") */
#define DW__TS_MAX_SCHEMA_OUT (256u << 10) /* TypeScript of one tool's schema in dw__ts_api */
#define DW__TS_MAX_SERVERS 256
#define DW__TS_MAX_TOOLS 4096          /* per server */
#define DW__TS_MAX_QUERY 1024          /* bytes of a search() query */

/* One upstream tool, as tools/list gave it. All borrowed. */
typedef struct {
  const char *name;            /* the tool's name on its server (required) */
  const char *description;     /* may be NULL */
  const json_t *input_schema;  /* may be NULL: the input is then any object */
  const json_t *output_schema; /* may be NULL: the result is then `unknown` */
} dw__ts_tool;

/* One upstream server and its tools. All borrowed. */
typedef struct {
  const char *name; /* becomes the namespace, sanitised to an identifier */
  const char *description;
  const dw__ts_tool *tools;
  size_t n_tools;
} dw__ts_server;

typedef struct {
  bool compact;      /* no doc comments (the API has one line per declaration either way) */
  bool examples;     /* `default`/`examples` of a schema as @default/@example in its doc */
  bool names_only;   /* namespaces and functions only; inputs typed `Record<string, unknown>`,
                      * results `unknown` (`dynworker types --names-only`) */
  bool listing;      /* smaller still (what `code` carries when the API is over budget): one
                      * line per server, `declare const <ns>: Tools; // tool, tool, ...`, after
                      * `interface Tools { [tool: string]: { (input?): Promise<unknown> } }` */
  char *why;         /* when not NULL, receives a message on error */
  size_t why_len;
} dw__ts_opts;

/* Appends TypeScript for one schema to `out`: `interface <type_name> {...}` or
 * `type <type_name> = ...;`, then one declaration per `$ref` target it uses. Returns 0;
 * DW_E_BAD_REQUEST (type_name not an identifier), DW_E_TOO_LARGE (a cap: nesting depth, named
 * types, or `out`'s maximum) with a message in `why`, or DW_E_NOMEM. On error `out` is left
 * as it was. Unsupported keywords and non-schema junk become `unknown`, never an error. */
int dw__ts_from_schema(const json_t *schema, const char *type_name, dw_buf *out, char *why,
                       size_t why_len);

/* Appends the whole API: one `declare namespace <server> { ... }` per server, with one line
 * `function <tool>(input: {...}): Promise<{...}>;` per tool after its doc comment, its types in
 * place when it alone uses them, declared once (one line each, after the first function that
 * uses them) when several tools share them; object types repeated inside several schemas
 * become interfaces too (docs/internals/tsgen.md). A tool whose schema breaks a cap (depth,
 * types, DW__TS_MAX_SCHEMA_OUT) gets `unknown` and a note in its doc comment; the API as a whole fails only with DW_E_TOO_LARGE when `out`'s maximum
 * is reached (or too many servers/tools), DW_E_BAD_REQUEST for a NULL name, or DW_E_NOMEM.
 * On error `out` is left as it was. Names are sanitised deterministically (same input, same
 * names), see docs/internals/tsgen.md. `o` may be NULL. */
int dw__ts_api(const dw__ts_server *servers, size_t n, const dw__ts_opts *o, dw_buf *out);

/* What `describe(name)` returns: the namespace block of dw__ts_api with only the tool whose
 * generated name is `name` ("server.method", as the API spells it). DW_E_NOT_FOUND when no
 * tool has that name; otherwise as dw__ts_api. */
int dw__ts_describe_tool(const dw__ts_server *servers, size_t n, const char *name,
                         const dw__ts_opts *o, dw_buf *out);

/* Which upstream tool a generated name ("server.method") calls: sets `*server` and `*tool`
 * (indexes into `servers` and its tools) and returns 0; DW_E_NOT_FOUND, DW_E_BAD_REQUEST,
 * DW_E_TOO_LARGE (as dw__ts_api) or DW_E_NOMEM. The same names as dw__ts_api gives. */
int dw__ts_lookup(const dw__ts_server *servers, size_t n, const char *name, size_t *server,
                  size_t *tool);

/* What `search(query)` returns: a JSON array of at most `max` {"name","description"} objects
 * ("server.method" names), best match first. Each query word (case-insensitive) scores 3 when
 * found in the tool's generated or original name, 1 in its description; tools scoring 0 are
 * left out; ties keep the servers' order. Returns 0, DW_E_TOO_LARGE (the query is longer than
 * DW__TS_MAX_QUERY, or `out`'s maximum), DW_E_BAD_REQUEST (as dw__ts_api) or DW_E_NOMEM. */
int dw__ts_search(const dw__ts_server *servers, size_t n, const char *query, size_t max,
                  dw_buf *out);

/* A rough token count of `bytes` of generated TypeScript: bytes / 4, rounded up (the usual
 * rule of thumb for English and code with BPE tokenisers; good enough to pick between the full
 * API and names_only + search/describe, not for billing). */
size_t dw__ts_tokens(size_t bytes);

#endif
