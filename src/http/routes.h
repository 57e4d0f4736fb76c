/* The one route table of the HTTP API: method, pattern, handler. The dispatcher matches it,
 * dw__http_routes_text prints it, and docs/openapi.yaml documents exactly these routes (a
 * test compares them). A pattern segment is a literal, {name} (one segment) or {name...}
 * (the rest of the path, possibly empty; last only). ANY matches every method. */
#ifndef DW_HTTP_ROUTES_H
#define DW_HTTP_ROUTES_H

#define DW__HTTP_ROUTES(XX)                                                        \
  XX(POST,   "/v1/run",                                      run)                  \
  XX(GET,    "/v1/workers",                                  list_workers)         \
  XX(PUT,    "/v1/workers/{id}",                             put_worker)           \
  XX(GET,    "/v1/workers/{id}",                             get_worker)           \
  XX(DELETE, "/v1/workers/{id}",                             delete_worker)        \
  XX(ANY,    "/v1/workers/{id}/fetch",                       fetch)                \
  XX(ANY,    "/v1/workers/{id}/fetch/{path...}",             fetch)                \
  XX(POST,   "/v1/workers/{id}/rpc/{entrypoint}/{method}",   rpc)                  \
  XX(GET,    "/v1/workers/{id}/tail",                        tail)                 \
  XX(GET,    "/healthz",                                     healthz)              \
  XX(GET,    "/metrics",                                     metrics)              \
  XX(POST,   "/mcp",                                         mcp_post)             \
  XX(DELETE, "/mcp",                                         mcp_delete)

#endif
