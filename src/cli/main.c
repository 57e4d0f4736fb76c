/* dynworker: the command-line entry point. */
#include <string.h>
#include "cli.h"
#include "executor/executor.h"

static const char usage[] =
    "usage: dynworker COMMAND [options]\n"
    "\n"
    "  run FILE [MODULE...]   run one worker in a fresh, contained sandbox\n"
    "  serve                  the daemon: HTTP API on 127.0.0.1:8787 (docs/OPERATIONS.md)\n"
    "  mcp --config FILE      Code Mode: an MCP server (stdio) whose `code` tool runs code over\n"
    "                         the tools of the MCP servers of FILE\n"
    "  types --config FILE    print the TypeScript API Code Mode gives a model for MCP servers\n"
    "  version                print the version\n"
    "\n"
    "'dynworker COMMAND --help' describes a command.\n";

static const struct {
  const char *name;
  int (*fn)(int argc, char **argv);
} commands[] = {
    {"run", dw__cli_run},
    {"serve", dw__cli_serve},
    {"types", dw__cli_types},
    {"mcp", dw__cli_mcp},
};

int main(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0) {
    fputs(usage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
    printf("dynworker %s\n", dw_version_string());
    return 0;
  }
  /* Internal: an executor of `dynworker serve` (not in the usage: the supervisor starts it). */
  if (strcmp(argv[1], "__executor") == 0) return dw__executor_main();
  for (size_t i = 0; i < DW_ARRAY_LEN(commands); i++)
    if (strcmp(argv[1], commands[i].name) == 0) return commands[i].fn(argc - 1, argv + 1);
  fprintf(stderr, "dynworker: unknown command '%s'\n\n%s", argv[1], usage);
  return 2;
}
