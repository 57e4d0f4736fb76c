/* util: small helpers every layer may use. No dependency on any other layer. */
#ifndef DW_UTIL_H
#define DW_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include "dynworker.h"

/* Our own broken invariant: abort with file and line. Never for input errors. */
#define DW_BUG(msg) dw__bug(__FILE__, __LINE__, (msg))
#define DW_ASSERT(cond) do { if (!(cond)) DW_BUG("assertion failed: " #cond); } while (0)
_Noreturn void dw__bug(const char *file, int line, const char *msg);

#define DW_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define DW_MIN(a, b) ((a) < (b) ? (a) : (b))
#define DW_MAX(a, b) ((a) > (b) ? (a) : (b))

/* A growable byte buffer created with its maximum size (curl's dynbuf). Appends past the
 * maximum fail with DW_E_TOO_LARGE and leave the buffer unchanged. Always NUL-terminated
 * when non-empty (the terminator is not counted in len). */
typedef struct {
  char *data;
  size_t len;
  size_t cap;
  size_t max;
} dw_buf;

void dw__buf_init(dw_buf *b, size_t max);
void dw__buf_free(dw_buf *b);
void dw__buf_reset(dw_buf *b);
int dw__buf_append(dw_buf *b, const void *p, size_t n);
int dw__buf_puts(dw_buf *b, const char *s);
int dw__buf_putc(dw_buf *b, char c);
int dw__buf_printf(dw_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends `s` as a JSON string literal (quotes included), escaping as RFC 8259 says;
 * invalid UTF-8 bytes become U+FFFD. */
int dw__buf_json_str(dw_buf *b, const char *s, size_t n);
/* Takes the data out (caller frees; never NULL: an empty buffer yields ""), resets b. */
char *dw__buf_steal(dw_buf *b, size_t *len);

/* Copies of strings/bytes; NULL only when out of memory. */
char *dw__strdup(const char *s);
char *dw__strndup(const char *s, size_t n);
void *dw__memdup(const void *p, size_t n);

/* Clocks, in nanoseconds: monotonic wall time and the calling thread's CPU time. */
uint64_t dw__now_ns(void);
uint64_t dw__thread_cpu_ns(void);
/* The process's resident memory in bytes (/proc/self/statm), or 0 when unknown. One
 * small read: safe from any thread, at any time. */
size_t dw__rss_bytes(void);
/* Formats a message into why (when not NULL and n > 0) and returns err: `return dw__whyf(why,
 * n, DW_E_BAD_REQUEST, "field %s: ...", k);`. */
int dw__whyf(char *why, size_t n, int err, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Decodes standard base64 (padding optional, no whitespace) into a new buffer of *n bytes
 * (caller frees; never NULL on success). DW_E_BAD_REQUEST on a bad character or length,
 * DW_E_NOMEM. */
int dw__base64_decode(const char *s, size_t len, void **out, size_t *n);
/* The process's virtual size in bytes (/proc/self/statm), or 0 when unknown. */
size_t dw__vm_bytes(void);
/* Opens /proc/self/statm once and keeps it (close-on-exec) so that the two functions above
 * keep working after the process has lost /proc (a contained executor's empty root). Call
 * it in the process it describes (after fork, in the child: /proc/self resolves at open).
 * Returns the fd (the process owns it; never close it) or -1. dw__statm_pinned() returns
 * the pinned fd or -1. */
int dw__statm_pin(void);
int dw__statm_pinned(void);
/* Milliseconds since the Unix epoch (wall clock), for timestamps people read. */
double dw__epoch_ms(void);

/* Sleeps for `ns` nanoseconds, resuming after signals. */
void dw__sleep_ns(uint64_t ns);

/* What a user reads when a run ends with `err` (a limit, never_settled, ...): a sentence
 * about the worker, where dw_strerror() names the error. Static storage. */
const char *dw__limit_message(int err);

/* Reads a whole file into a NUL-terminated buffer of at most `max` bytes.
 * Returns 0, DW_E_IO (errno kept) or DW_E_TOO_LARGE. */
int dw__read_file(const char *path, size_t max, char **out, size_t *len);

/* Validates UTF-8 (no overlongs, no surrogates). */
bool dw__utf8_valid(const char *s, size_t n);

#endif
