/* dynworker: run untrusted JavaScript in fresh, contained sandboxes.
 *
 * The embeddable library: sandboxes on JavaScriptCore, in-process. Handles are opaque;
 * no engine type and no struct layout of the implementation appears here.
 *
 * Conventions (as in libuv and curl):
 *   - functions that can fail return 0 or a negative dw_err code;
 *   - `_new` pairs with `_free`; `const` pointer parameters are borrowed; returned pointers
 *     are owned by the caller unless the comment says otherwise;
 *   - a handle is used by one thread at a time; different handles may be used concurrently.
 */
#ifndef DYNWORKER_H
#define DYNWORKER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DW_VERSION_MAJOR 0
#define DW_VERSION_MINOR 1
#define DW_VERSION_PATCH 0
#define DW_VERSION_NUM ((DW_VERSION_MAJOR << 16) | (DW_VERSION_MINOR << 8) | DW_VERSION_PATCH)

/* The version the library was built as (DW_VERSION_NUM of its build). */
unsigned dw_version(void);
/* The same as "MAJOR.MINOR.PATCH"; static storage. */
const char *dw_version_string(void);

/* The one error table. Columns: enum suffix, number (never changes once released), stable
 * code string (as in JSON results), message, HTTP status, JSON-RPC error code. */
#define DW_ERRNO_MAP(XX)                                                                          \
  XX(OK,                 0, "ok",                        "success",                                  200, 0)      \
  XX(BAD_REQUEST,       -1, "bad_request",               "bad request",                              400, -32602) \
  XX(NOMEM,             -2, "out_of_memory",             "out of memory (host)",                     500, -32603) \
  XX(SYNTAX,            -3, "syntax_error",              "syntax error in worker code",              200, -32000) \
  XX(MODULE_NOT_FOUND,  -4, "module_not_found",          "module not found",                         200, -32000) \
  XX(UNCAUGHT,          -5, "uncaught_exception",        "the worker threw an exception",            200, -32000) \
  XX(NEVER_SETTLED,     -6, "never_settled",             "the worker's promise can never settle",    200, -32000) \
  XX(CPU_LIMIT,         -7, "cpu_limit_exceeded",        "CPU time limit exceeded",                  200, -32001) \
  XX(WALL_LIMIT,        -8, "wall_limit_exceeded",       "wall-clock time limit exceeded",           200, -32001) \
  XX(MEMORY_LIMIT,      -9, "memory_limit_exceeded",     "memory limit exceeded",                    200, -32001) \
  XX(SUBREQUEST_LIMIT, -10, "subrequest_limit_exceeded", "sub-request limit exceeded",               200, -32001) \
  XX(OUTBOUND_BLOCKED, -11, "outbound_blocked",          "outbound network access is not allowed",   200, -32000) \
  XX(WORKER_NOT_FOUND, -12, "worker_not_found",          "no worker with this id",                   404, -32004) \
  XX(EXECUTOR_LOST,    -13, "executor_lost",             "the executor process was lost; retry",     503, -32003) \
  XX(OVERLOADED,       -14, "overloaded",                "overloaded; retry later",                  503, -32003) \
  XX(TOO_LARGE,        -15, "too_large",                 "input exceeds its size limit",             413, -32602) \
  XX(IO,               -16, "io_error",                  "input/output error",                       500, -32603) \
  XX(INTERNAL,         -17, "internal_error",            "internal error",                           500, -32603) \
  XX(WASM_DISABLED,    -18, "wasm_disabled",             "WebAssembly is not enabled for this sandbox", 200, -32000) \
  XX(UNAUTHORIZED,     -19, "unauthorized",              "missing or wrong credentials",             401, -32001) \
  XX(NOT_FOUND,        -20, "not_found",                 "no such resource",                         404, -32601) \
  XX(BAD_RESULT,       -21, "bad_result",                "the worker's result cannot be serialised", 200, -32000)

typedef enum {
#define DW__ERR_ENUM(name, num, code, msg, http, rpc) DW_E_##name = num,
  DW_ERRNO_MAP(DW__ERR_ENUM)
#undef DW__ERR_ENUM
} dw_err;

/* Human-readable message of an error number; static storage; never NULL. */
const char *dw_strerror(int err);
/* Stable code string of an error ("cpu_limit_exceeded"); static storage; never NULL. */
const char *dw_err_code(int err);
/* Error number for a code string, or DW_E_INTERNAL if unknown. */
int dw_err_from_code(const char *code);
/* HTTP status and JSON-RPC code that the HTTP API and the MCP server use for an error. */
int dw_err_http_status(int err);
int dw_err_jsonrpc_code(int err);

/* ---------------------------------------------------------------------------------------
 * Worker code: a set of named modules and the main one.
 * ------------------------------------------------------------------------------------- */

typedef enum {
  DW_MODULE_AUTO = 0, /* by the name's extension: .js .mjs .cjs .ts .mts .json .txt .bin .wasm */
  DW_MODULE_ESM,
  DW_MODULE_CJS,
  DW_MODULE_TS,
  DW_MODULE_JSON,
  DW_MODULE_TEXT,
  DW_MODULE_DATA,
  DW_MODULE_WASM
} dw_module_type;

typedef struct dw_code dw_code;

/* A new, empty module set. Returns NULL only when out of memory. */
dw_code *dw_code_new(void);
void dw_code_free(dw_code *code);
/* Adds a module (the bytes are copied). The first module added is the main one unless
 * dw_code_set_main says otherwise. Fails with DW_E_BAD_REQUEST on a duplicate or invalid
 * name or an unknown extension, DW_E_TOO_LARGE past the code size cap (64 MiB in all). */
int dw_code_add_module(dw_code *code, const char *name, const void *src, size_t len,
                       dw_module_type type);
int dw_code_set_main(dw_code *code, const char *name);

/* ---------------------------------------------------------------------------------------
 * Engines and sandboxes.
 * ------------------------------------------------------------------------------------- */

/* An engine is one JavaScript VM (heap, garbage collector, watchdog). Sandboxes created
 * in the same engine are separate realms that share the VM: cheaper, and serialised. */
typedef struct dw_engine dw_engine;

typedef struct {
  bool allow_wasm; /* default false: WebAssembly is absent from sandboxes. The engine cannot
                      interrupt a WebAssembly loop in-process; only a process boundary can. */
  uint32_t memory_mb; /* heap cap of the whole VM, shared by its sandboxes (the engine
                         cannot tell which realm owns which object); 0: default 1024. A
                         sandbox's own memory_mb applies only when it has a VM of its own. */
} dw_engine_options;

/* Creates a VM. `opts` may be NULL (defaults). Returns NULL when out of memory. */
dw_engine *dw_engine_new(const dw_engine_options *opts);
/* Frees a VM. Every sandbox created in it must have been freed first. */
void dw_engine_free(dw_engine *engine);

typedef struct {
  uint32_t cpu_ms;    /* CPU time per invocation; 0: default 1000 */
  uint32_t wall_ms;   /* wall-clock time per invocation; 0: default 10000 */
  uint32_t memory_mb; /* heap of the sandbox's VM; 0: default 128 */
} dw_limits;

typedef struct {
  dw_limits limits;
  bool allow_eval;          /* default false: eval and new Function throw EvalError */
  bool allow_wasm;          /* with an own VM (engine NULL): WebAssembly present. Only safe
                               where a process boundary can stop a WebAssembly loop. */
  const char *env_json;     /* JSON object: the worker's env (NULL: {}) */
} dw_sandbox_options;

typedef struct dw_sandbox dw_sandbox;

/* Callback receiving each console line as it is produced ("log", "info", "warn", "error",
 * "debug"); `message` is borrowed for the duration of the call. */
typedef void (*dw_log_cb)(void *user, const char *level, const char *message, size_t len);

/* Creates a sandbox: a fresh realm in `engine`, or, when `engine` is NULL, in a VM of its
 * own (freed with the sandbox). Returns 0 and sets *out, or a negative dw_err. */
int dw_sandbox_new(dw_engine *engine, const dw_sandbox_options *opts, dw_sandbox **out);
void dw_sandbox_free(dw_sandbox *sb);
/* Console lines are delivered to `cb` as they happen, and also kept in the result. */
void dw_sandbox_set_log_cb(dw_sandbox *sb, dw_log_cb cb, void *user);

/* The outcome of one invocation. */
typedef struct dw_result dw_result;

typedef struct {
  const char *method;     /* default "GET" */
  const char *url;        /* default "http://localhost/" */
  const char *const *headers; /* NULL-terminated list of "Name: value" strings, or NULL */
  const void *body;
  size_t body_len;
} dw_request;

typedef struct {
  const dw_request *request; /* for a fetch handler: the request (NULL: a default GET) */
  const char *args_json;     /* for a default-exported function: JSON array of arguments
                                (NULL: called with (env)) */
} dw_invocation;

/* Loads `code` into the sandbox and invokes it as the calling convention says: a default
 * export with `fetch` gets a Request; a default-exported function gets its arguments or
 * (env); otherwise the main module is evaluated. Blocks until the invocation settles or a
 * limit ends it. Always sets *out (a result to free with dw_result_free) unless out of
 * memory; returns the result's error number (0 when ok). A sandbox runs one invocation. */
int dw_sandbox_run(dw_sandbox *sb, const dw_code *code, const dw_invocation *inv,
                   dw_result **out);

void dw_result_free(dw_result *r);
bool dw_result_ok(const dw_result *r);
/* 0 or the dw_err of the failure. */
int dw_result_error(const dw_result *r);
/* The whole result as the JSON object every interface uses:
 * {"ok","result","response","logs","error","cpuMs","wallMs"}. Owned by the result. */
const char *dw_result_json(const dw_result *r);
/* The value returned (JSON), or NULL. Owned by the result. */
const char *dw_result_value_json(const dw_result *r);
/* A fetch handler's response body; NULL when there is none. Owned by the result. */
const void *dw_result_body(const dw_result *r, size_t *len);
int dw_result_status(const dw_result *r);
double dw_result_cpu_ms(const dw_result *r);
double dw_result_wall_ms(const dw_result *r);


/* ---------------------------------------------------------------------------------------
 * The Worker Loader for C hosts (docs/LOADER.md): dynamic workers kept warm by id or loaded
 * fresh, called over RPC and fetch, with bindings whose methods are C callbacks.
 * ------------------------------------------------------------------------------------- */

typedef struct dw_loader dw_loader;

typedef struct {
  dw_limits limits;       /* the VM's memory cap (limits.memory_mb, default 128) and the
                             default CPU and wall-clock limits of a call (default 50, 30000) */
  uint32_t max_workers;   /* warm workers kept, least recently used first out; 0: 1000 */
  uint32_t max_mb;        /* their estimated memory; 0: 256 */
} dw_loader_options;

/* Creates a loader with a VM of its own. Returns 0 and sets *out, or a negative dw_err. A
 * loader is used by one thread at a time. */
int dw_loader_new(const dw_loader_options *opts, dw_loader **out);
/* Frees the loader, its workers and anything still in flight (no callback runs after). Every
 * binding call handed to the host must have been completed before: completing one after this
 * is a use after free. */
void dw_loader_free(dw_loader *l);

/* A call of a binding method, owned by the loader until completed. */
typedef struct dw_binding_call dw_binding_call;
/* A binding method: `method` and `args_json` (a JSON array) are borrowed for the duration of
 * the callback. Complete the call exactly once with dw_binding_return or dw_binding_throw,
 * either before returning (synchronous) or later, from any thread (asynchronous): the
 * worker's promise settles then. Runs on the loader's thread with the worker's JS on the
 * stack: it must not call into the loader, except to complete this or another call. Values
 * cross as JSON; host pointers never reach the worker. A worker's call whose arguments hold a
 * function, a symbol, a BigInt, NaN or an infinity is refused before the callback (a
 * TypeError naming the place); `undefined` follows JSON (left out, or null in an array). */
typedef void (*dw_binding_fn)(void *user, const char *method, const char *args_json,
                              dw_binding_call *call);
/* Completes a binding call with a result (JSON text, copied; NULL: undefined). Thread-safe. */
void dw_binding_return(dw_binding_call *call, const char *result_json);
/* Completes a binding call with an error the worker sees as an Error with `message`. */
void dw_binding_throw(dw_binding_call *call, const char *message);

/* Registers a binding `name` that workers receive in env when a call lists it. `fn`/`user`
 * must stay valid until dw_loader_free. DW_E_BAD_REQUEST for a bad or duplicate name. */
int dw_loader_add_binding(dw_loader *l, const char *name, dw_binding_fn fn, void *user);

/* Which worker a call goes to, and what it is made from when it is not warm. */
typedef struct {
  const char *id;         /* kept warm under this id; NULL: a fresh worker for this call only */
  const dw_code *code;    /* its modules (borrowed; used only when no warm worker exists) */
  const char *env_json;   /* a JSON object for env (NULL: {}) */
  const char *const *bindings; /* names of registered bindings to add to env, NULL-terminated */
  const char *entrypoint; /* an exported WorkerEntrypoint class; NULL: the default export */
  dw_limits limits;       /* this call's CPU and wall-clock limits (0: the loader's) */
} dw_worker_ref;

/* Calls `method` of the worker with the arguments in args_json (a JSON array; NULL: none).
 * Blocks until it settles. Always sets *out unless out of memory: the result's value is the
 * method's result as JSON (dw_result_value_json); returns the result's error number. */
int dw_loader_call(dw_loader *l, const dw_worker_ref *w, const char *method,
                   const char *args_json, dw_result **out);
/* Calls the worker's fetch handler with `req`; the result carries the response (status,
 * dw_result_body) as dw_sandbox_run's does. Blocks. */
int dw_loader_fetch(dw_loader *l, const dw_worker_ref *w, const dw_request *req,
                    dw_result **out);

typedef struct {
  uint64_t live;      /* workers alive */
  uint64_t cached;    /* warm workers in the cache */
  uint64_t bytes;     /* their estimated memory */
  uint64_t hits, misses, evictions, created, calls;
} dw_loader_stats;
void dw_loader_stats_get(const dw_loader *l, dw_loader_stats *out);

#ifdef __cplusplus
}
#endif
#endif /* DYNWORKER_H */
