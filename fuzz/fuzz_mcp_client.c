/* libFuzzer target: what an upstream MCP server sends (src/mcp/client.c). The input is the
 * server's whole stdout: the target writes it to a file and "starts a server" that prints that
 * file (`cat`), so every byte goes through the real client — line reading and caps, JSON-RPC
 * classification (answers, notifications, requests to us), initialize and tools/list pages,
 * pagination — and must end in 0 or an error with a message, never a crash or a hang.
 * Slow (one process per input), so it is for smoke runs, not for millions of executions. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "mcp/client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char path[64];
  if (!path[0]) {
    signal(SIGPIPE, SIG_IGN);
    snprintf(path, sizeof path, "/tmp/dw-fuzz-mcp-%d", (int)getpid());
  }
  FILE *f = fopen(path, "wb");
  if (!f) return 0;
  if (size) fwrite(data, 1, size, f);
  fclose(f);
  const char *const args[] = {path};
  dw__mcp_stdio spec = {.command = "cat", .args = args, .n_args = 1, .timeout_ms = 200,
                        .quiet = true};
  dw__mcp_tools out = {0};
  char why[512];
  int rc = dw__mcp_list_tools(&spec, &out, why, sizeof why);
  if (rc && !why[0]) abort(); /* an error must say why */
  for (size_t i = 0; i < out.n_tools; i++)
    if (!out.tools[i].name || !out.tools[i].name[0]) abort(); /* tools always have names */
  dw__mcp_tools_free(&out);
  return 0;
}
