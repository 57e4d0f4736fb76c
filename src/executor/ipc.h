/* ipc: the frames between the supervisor and an executor process (docs/internals/ipc.md).
 *
 * The channel is a SOCK_STREAM socketpair the executor inherits as fd 3. A frame is a
 * 12-byte header, little endian: u8 type, u8[3] zero, u32 json_len, u32 bin_len; then
 * json_len bytes of one JSON object (UTF-8), then bin_len bytes of binary payload (a request
 * or response body). Both sides treat the other as hostile where it matters: the supervisor
 * never trusts an executor (it may run compromised guest code), so every frame it reads is
 * bounded and checked; an executor that sends a malformed frame is killed.
 *
 * Messages (the "json" part; "inv" and "call" are numbers chosen by the sender of the first
 * frame of an exchange). A frame whose type belongs to the other direction is malformed.
 *
 *   E→S HELLO     {"pid", "steps": [{"step","status":"ok"|"refused"|"failed","detail"}]}
 *                 once, after containment, before anything else (the supervisor waits 10 s
 *                 and routes nothing to an executor before it).
 *   S→E INVOKE    {"inv", "key": string|null, "code": {...}|absent, "kind": "run"|"fetch"|"rpc",
 *                  "entrypoint": string|null, "method": string|null, "args": [...]|absent,
 *                  "props": {...}|absent, "depth": n,
 *                  "request": {"method","url","headers":[[k,v]...]}|absent,
 *                  "limits": {"cpuMs","wallMs","memoryMb","subRequests"}, "egress": bool}
 *                 bin: the request body. `key` names a warm worker (tenant, id, revision);
 *                 null: a fresh, uncached sandbox (and `code` is always present). `code` is
 *                 the WorkerCode with its env descriptors ($http, $worker, $loader) but never
 *                 globalOutbound (its "inject" holds secrets), and $http descriptors without
 *                 their "headers" (credentials: the supervisor adds them when it calls): `egress` says whether fetch()
 *                 goes out through the supervisor (false: fetch() fails with
 *                 outbound_blocked inside the executor). `limits` is complete (defaults
 *                 filled in by the supervisor). `props`: ctx.props of an RPC entrypoint
 *                 called through a $worker binding. `depth`: how many $worker calls deep
 *                 this invocation is (0 from the API); for information: the supervisor
 *                 enforces the cap (8).
 *   E→S NEED_CODE {"inv"}: `key` is not warm here and `code` was absent; the supervisor sends
 *                 the INVOKE again with `code`. At most once per invocation.
 *   E→S RESULT    {"inv", "result": {ok,result,response,logs,error,cpuMs,wallMs},
 *                  "status": n, "headers": [[k,v]...], "warm": n}  bin: a fetch handler's
 *                 response body. `status` (100..999) only when a fetch handler answered (bin
 *                 only then). `result.error.code` is a code of the error table when ok is
 *                 false. `warm` (optional): warm workers this executor holds now.
 *   E→S CALL      {"call", "inv": n|null, "key": string|null, "desc": {...}, "method", "args": [...]}
 *                 a worker called a binding ($http or $worker descriptor in `desc`), or its
 *                 fetch() left the sandbox (desc {"$egress": true}, method "fetch", args
 *                 [{"method","url","headers":[[k,v]...]}], bin: the request body). `inv`: the
 *                 invocation it serves (absent/null for background work of a warm worker,
 *                 then `key` names the worker). The supervisor honours a binding only when
 *                 `desc` equals one of the env values of that invocation's (or key's) code,
 *                 and egress only as that code's globalOutbound says.
 *   S→E REPLY     {"call", "ok": true, "result": any} | {"call", "ok": false, "error": string,
 *                  "code": string}; for an egress call the result is {"status","statusText",
 *                  "headers":[[k,v]...],"url"} and bin is the response body. `code` is a code
 *                 of the error table (outbound_blocked, worker_not_found, overloaded,
 *                 io_error for a binding's transport or HTTP status, uncaught_exception for
 *                 an error the binding reported, bad_request, ...).
 *   S→E FORGET    {"key"}: drop the warm worker (its definition was replaced or deleted).
 *   S→E STOP      {}: finish what is in flight, then exit 0.
 *   E→S RETIRE    {}: this executor will exit once what it holds is answered (a worker ran
 *                 out of memory, after which the engine may keep refusing allocations): the
 *                 supervisor routes nothing more to it and starts its replacement when it
 *                 exits. An INVOKE that crossed it is answered executor_lost.
 *
 * The executor's environment holds only PATH=/usr/bin:/bin, DW_EXECUTOR_MEMORY_MB,
 * DW_EXECUTOR_MAX_WORKERS, DW_EXECUTOR_CONTAIN_RELAXED=1 (tests only) and, when the daemon
 * has them, ASAN_OPTIONS / LSAN_OPTIONS / UBSAN_OPTIONS; every descriptor but 0, 1, 2 and 3
 * is closed. See docs/internals/ipc.md.
 */
#ifndef DW_EXECUTOR_IPC_H
#define DW_EXECUTOR_IPC_H

#include <stddef.h>
#include <stdint.h>

enum {
  DW_IPC_HELLO = 1,
  DW_IPC_INVOKE = 2,
  DW_IPC_NEED_CODE = 3,
  DW_IPC_RESULT = 4,
  DW_IPC_CALL = 5,
  DW_IPC_REPLY = 6,
  DW_IPC_FORGET = 7,
  DW_IPC_STOP = 8,
  DW_IPC_RETIRE = 9,
};

#define DW_IPC_HEADER 12u
#define DW_IPC_MAX_JSON ((uint32_t)80 << 20) /* code (64 MiB) + env + the rest */
#define DW_IPC_MAX_BIN ((uint32_t)64 << 20)  /* a body */
#define DW_IPC_FD 3                          /* the channel's descriptor in an executor */

typedef struct {
  uint8_t type;
  uint32_t json_len, bin_len;
} dw__ipc_header;

/* Encodes a header into 12 bytes. */
void dw__ipc_header_put(uint8_t out[DW_IPC_HEADER], uint8_t type, uint32_t json_len,
                        uint32_t bin_len);
/* Decodes and checks a header: 0, or DW_E_BAD_REQUEST (unknown type, non-zero reserved
 * bytes, a JSON part that is empty) or DW_E_TOO_LARGE (past the caps). */
int dw__ipc_header_get(const uint8_t in[DW_IPC_HEADER], dw__ipc_header *h);

/* Blocking helpers for the executor side (and tests): writes a whole frame; reads a whole
 * frame into *json (NUL-terminated, caller frees) and *bin (caller frees; NULL when empty).
 * 0, DW_E_IO (the peer closed or an error; errno kept), or the errors of
 * dw__ipc_header_get. Restart on EINTR; a write to a non-blocking descriptor waits for room
 * (poll) instead of failing. */
int dw__ipc_write(int fd, uint8_t type, const char *json, size_t json_len, const void *bin,
                  size_t bin_len);
int dw__ipc_read(int fd, uint8_t *type, char **json, size_t *json_len, void **bin,
                 size_t *bin_len);

#endif
