/* cli: the dynworker command. Each subcommand is one file and one entry point that returns
 * the process exit status. */
#ifndef DW_CLI_H
#define DW_CLI_H

#include <errno.h>
#include "util/util.h"

/* `dynworker run FILE [MODULE...] [options]`; argv[0] is "run". */
int dw__cli_run(int argc, char **argv);

/* `dynworker types --config FILE [--compact] [--names-only]`; argv[0] is "types". Starts
 * the MCP servers of FILE one after another (blocks on each) and prints their TypeScript API. */
int dw__cli_types(int argc, char **argv);

/* `dynworker serve [options]`; argv[0] is "serve". Runs the daemon until SIGTERM/SIGINT and
 * its drain; returns 0 after a drain, 1 when it cannot start, 2 on bad usage or config. */
int dw__cli_serve(int argc, char **argv);
/* `dynworker mcp --config FILE [--in-process]`; argv[0] is "mcp". Serves MCP on stdin/stdout
 * until the client closes stdin. */
int dw__cli_mcp(int argc, char **argv);

#endif
