/* cli: the in-process Code Mode runner of `dynworker mcp --in-process` (mcp_inproc.c). */
#ifndef DW_CLI_MCP_INPROC_H
#define DW_CLI_MCP_INPROC_H

#include "mcp/codemode.h"

struct event_base;
struct inproc;

/* Starts the runner's thread and fills `runner`. `*cm` is read when tool calls arrive (set
 * it once the Code Mode object exists). 0, DW_E_NOMEM or DW_E_IO. */
int dw__inproc_new(struct event_base *base, dw__cm **cm, uint32_t memory_mb, struct inproc **out,
                   dw__cm_runner *runner);
/* Stops taking runs; a run in progress is left to the exiting process. */
void dw__inproc_free(struct inproc *ip);

#endif
