/* mcp/schema: JSON Schema validation of tool inputs (Code Mode checks every tool call's
 * arguments before they reach the upstream). The subset and its differences from the spec:
 * docs/internals/schema.md. Schemas come from upstream servers and values from the model's
 * code: both are untrusted; recursion and work are capped, nothing here crashes or grows
 * without a bound. Pure functions: no global state, no blocking. */
#ifndef DW_MCP_SCHEMA_H
#define DW_MCP_SCHEMA_H

#include <stddef.h>
#include <jansson.h>
#include "util/util.h"

#define DW__SCHEMA_MAX_DEPTH 64         /* nested schemas ($ref, combinators, properties) */
#define DW__SCHEMA_MAX_WORK 200000u     /* schema-against-value checks of one validation */
#define DW__SCHEMA_MAX_PATTERN 512      /* bytes of a `pattern` that is compiled at all */
#define DW__SCHEMA_MAX_PATTERN_INPUT (64u << 10) /* strings longer are not pattern-checked */
#define DW__SCHEMA_DEFAULT_ERRORS 5     /* errors listed when max_errors is 0 */

/* Validates `value` against `schema`. `root` names the value in messages ("input"); errors
 * look like `input.events[3].start: expected string, got number`, one per line, at most
 * `max_errors` (0: DW__SCHEMA_DEFAULT_ERRORS) then "(and more errors)".
 * Returns 0 (valid); DW_E_BAD_REQUEST (invalid: the messages are appended to `out`);
 * DW_E_TOO_LARGE (a cap was reached: depth DW__SCHEMA_MAX_DEPTH or work DW__SCHEMA_MAX_WORK;
 * `out` says which: the value could not be checked, the caller decides); DW_E_NOMEM.
 * A schema that is not an object (true, a malformed keyword) accepts what it cannot judge. */
int dw__schema_validate(const json_t *schema, const json_t *value, const char *root,
                        size_t max_errors, dw_buf *out);

#endif
