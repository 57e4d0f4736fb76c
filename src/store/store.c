/* The registry of worker definitions: one SQLite database (DIR/workers.db) in WAL mode.
 *
 * Durability: puts and deletes commit with synchronous=FULL (the WAL is fsynced before the
 * call returns), so an acknowledged write survives a kill -9 or a power cut. Touches commit
 * with synchronous=NORMAL (no fsync): WAL keeps the database consistent either way, and the
 * next FULL commit or checkpoint makes them durable too. The connection switches lazily
 * (`relaxed`), so a run of touches costs no pragma each.
 *
 * Every value reaches SQL as a bound parameter; the only text formatted into SQL is the
 * schema version and the WAL size limit, our own constants. */
#include <errno.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include "store.h"

/* The schema this code reads and writes (PRAGMA user_version). A database with a larger
 * version was written by a newer dynworker: refused, never downgraded. */
#define SCHEMA_VERSION 1
#define DB_NAME "workers.db"
#define BUSY_TIMEOUT_MS 5000
/* A checkpointed WAL is truncated back to this (one 80 MiB put would otherwise leave an
 * 80 MiB -wal file behind for good). */
#define WAL_KEEP_BYTES (64 << 20)

static const char schema_v1[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL);"
    "INSERT INTO meta(key, value) VALUES('rev', 0);"
    "CREATE TABLE workers("
    "  tenant TEXT NOT NULL,"
    "  id TEXT NOT NULL,"
    "  code TEXT NOT NULL,"             /* the WorkerCode, compact JSON */
    "  rev INTEGER NOT NULL,"
    "  size INTEGER NOT NULL,"          /* bytes of code */
    "  created_ms INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL,"
    "  last_used_ms INTEGER NOT NULL DEFAULT 0,"
    "  invocations INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY(tenant, id));";

/* The prepared statements kept on the handle, one row each. */
#define STORE_STMTS(XX)                                                                         \
  XX(BEGIN, "BEGIN IMMEDIATE")                                                                 \
  XX(COMMIT, "COMMIT")                                                                         \
  XX(ROLLBACK, "ROLLBACK")                                                                     \
  XX(BUMP, "UPDATE meta SET value = value + 1 WHERE key = 'rev'")                              \
  XX(REV, "SELECT value FROM meta WHERE key = 'rev'")                                          \
  XX(INSERT, "INSERT OR IGNORE INTO workers(tenant, id, code, rev, size, created_ms, "         \
             "updated_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?6)")                                 \
  XX(UPDATE, "UPDATE workers SET code = ?3, rev = ?4, size = ?5, updated_ms = ?6 "             \
             "WHERE tenant = ?1 AND id = ?2")                                                  \
  XX(GET, "SELECT code, rev, size, created_ms, updated_ms, last_used_ms, invocations "         \
          "FROM workers WHERE tenant = ?1 AND id = ?2")                                        \
  XX(DELETE, "DELETE FROM workers WHERE tenant = ?1 AND id = ?2")                              \
  XX(LIST, "SELECT id, rev, size, created_ms, updated_ms, last_used_ms, invocations "          \
           "FROM workers WHERE tenant = ?1 AND id > ?2 ORDER BY id LIMIT ?3")                  \
  XX(TOUCH, "UPDATE workers SET invocations = invocations + ?4, "                               \
            "last_used_ms = max(last_used_ms, ?3) WHERE tenant = ?1 AND id = ?2")

enum {
#define ST_ENUM(name, sql) ST_##name,
  STORE_STMTS(ST_ENUM)
#undef ST_ENUM
  ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
#define ST_SQL(name, sql) [ST_##name] = sql,
    STORE_STMTS(ST_SQL)
#undef ST_SQL
};

struct dw__store {
  sqlite3 *db;
  sqlite3_stmt *st[ST_COUNT];
  char *dir;     /* the data dir and DIR/workers.db, for messages */
  char *path;
  bool relaxed;  /* synchronous=NORMAL is on (after a touch); puts switch back first */
  char err[512]; /* dw__store_touch's last failure */
};

static void say(char *why, size_t why_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(char *why, size_t why_len, const char *fmt, ...) {
  if (!why || !why_len) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, why_len, fmt, ap);
  va_end(ap);
}

/* Turns a failed SQLite call into DW_E_IO and a message saying what to do about it. `doing`
 * completes "while ..." ("registering a worker in"). */
static int fail(dw__store *s, int rc, const char *doing, char *why, size_t why_len) {
  const char *msg = s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);
  int sys = s->db ? sqlite3_system_errno(s->db) : 0;
  int primary = rc & 0xff;
  char ebuf[128] = "";
  const char *etext = sys ? strerror_r(sys, ebuf, sizeof ebuf) : "";
  if (primary == SQLITE_IOERR && sys == ENOSPC) primary = SQLITE_FULL;
  if (primary == SQLITE_IOERR && (sys == EROFS || sys == EACCES || sys == EPERM))
    primary = SQLITE_READONLY;
  /* What the OS said, when it says something about the cause (SQLite's open retries
   * read-only after EACCES, which leaves a misleading ENOENT behind). */
  bool perm = sys == EACCES || sys == EPERM || sys == EROFS;
  switch (primary) {
  case SQLITE_FULL:
    say(why, why_len, "disk full while %s %s (%s): free space on its filesystem", doing,
        s->path, msg);
    break;
  case SQLITE_READONLY:
  case SQLITE_CANTOPEN:
  case SQLITE_PERM:
  case SQLITE_AUTH:
    say(why, why_len,
        "the data dir %s is not writable (SQLite, while %s %s: %s%s%s): check the owner and "
        "permissions of the dir and its files, and that its filesystem is mounted read-write",
        s->dir, doing, s->path, msg, perm ? ": " : "", perm ? etext : "");
    break;
  case SQLITE_CORRUPT:
  case SQLITE_NOTADB:
    say(why, why_len,
        "the database %s is corrupt or not a dynworker database (SQLite, while %s it: %s): "
        "move it and its -wal and -shm files away, then restore a backup or start empty",
        s->path, doing, msg);
    break;
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
    say(why, why_len,
        "the database %s stayed locked for %d ms (SQLite, while %s it: %s): is another "
        "daemon using the same data dir?",
        s->path, BUSY_TIMEOUT_MS, doing, msg);
    break;
  case SQLITE_IOERR:
    if (sys == EFBIG) {
      say(why, why_len,
          "the file size limit was reached while %s %s: raise the daemon's limit (ulimit -f, "
          "LimitFSIZE=)",
          doing, s->path);
      break;
    }
    say(why, why_len, "I/O error while %s %s: %s%s%s", doing, s->path, msg, sys ? ": " : "",
        etext);
    break;
  case SQLITE_NOMEM:
    say(why, why_len, "out of memory while %s %s", doing, s->path);
    break;
  default:
    say(why, why_len, "SQLite failed while %s %s: %s (code %d)", doing, s->path, msg, rc);
    break;
  }
  return DW_E_IO;
}

/* A database that SQLite reads fine but that breaks our own invariants. */
static int corrupt(dw__store *s, const char *doing, const char *detail, char *why,
                   size_t why_len) {
  say(why, why_len,
      "the database %s is corrupt (while %s it: %s): move it and its -wal and -shm files "
      "away, then restore a backup or start empty",
      s->path, doing, detail);
  return DW_E_IO;
}

/* Resets a statement after use (any outcome) and drops its bound (borrowed) values. */
static void finish(sqlite3_stmt *st) {
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
}

/* Steps `st` once: 0 with *row telling whether a row came, or fail()'s DW_E_IO. */
static int step(dw__store *s, sqlite3_stmt *st, const char *doing, bool *row, char *why,
                size_t why_len) {
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
    if (row) *row = rc == SQLITE_ROW;
    return 0;
  }
  return fail(s, rc, doing, why, why_len);
}

/* Runs a statement that returns no row of interest (BEGIN, COMMIT, ...), then resets it. */
static int run(dw__store *s, int which, const char *doing, char *why, size_t why_len) {
  int rc = step(s, s->st[which], doing, NULL, why, why_len);
  finish(s->st[which]);
  return rc;
}

static int exec(dw__store *s, const char *sql, const char *doing, char *why, size_t why_len) {
  int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
  return rc == SQLITE_OK ? 0 : fail(s, rc, doing, why, why_len);
}

/* Ends a transaction that failed (SQLite may already have rolled it back). */
static void abandon(dw__store *s) {
  if (!sqlite3_get_autocommit(s->db)) run(s, ST_ROLLBACK, "rolling back", NULL, 0);
}

/* The commit mode for the next write: FULL (fsync before returning) for definitions,
 * NORMAL for counters. */
static int sync_mode(dw__store *s, bool relaxed, const char *doing, char *why, size_t why_len) {
  if (s->relaxed == relaxed) return 0;
  int rc = exec(s, relaxed ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL", doing,
                why, why_len);
  if (!rc) s->relaxed = relaxed;
  return rc;
}

/* ---- input checks ---- */

static bool id_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '_' || c == '.' || c == ':';
}

/* DW_E_BAD_REQUEST unless `v` is a valid tenant (UTF-8, no control characters) or id
 * (is_id: letters, digits, - _ . :), 1..256 bytes. `what` names it in the message. */
static int check_name(const char *what, const char *v, bool is_id, char *why, size_t why_len) {
  if (!v || !*v) {
    say(why, why_len, "%s is empty", what);
    return DW_E_BAD_REQUEST;
  }
  size_t n = strnlen(v, DW__STORE_MAX_NAME + 1);
  if (n > DW__STORE_MAX_NAME) {
    say(why, why_len, "%s is longer than %d bytes", what, DW__STORE_MAX_NAME);
    return DW_E_BAD_REQUEST;
  }
  if (!dw__utf8_valid(v, n)) {
    say(why, why_len, "%s is not valid UTF-8", what);
    return DW_E_BAD_REQUEST;
  }
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)v[i];
    if (is_id ? !id_char(c) : (c < 0x20 || c == 0x7f)) {
      say(why, why_len,
          is_id ? "%s may contain only letters, digits and - _ . : (byte 0x%02x at %zu)"
                : "%s contains a control character (byte 0x%02x at %zu)",
          what, c, i);
      return DW_E_BAD_REQUEST;
    }
  }
  return 0;
}

static int check_key(const char *tenant, const char *id, char *why, size_t why_len) {
  int rc = check_name("tenant", tenant, false, why, why_len);
  if (!rc) rc = check_name("id", id, true, why, why_len);
  return rc;
}

/* Whether `v` nests at most `left` arrays/objects deep. Recursion bounded by `left`. */
static bool depth_ok(const json_t *v, int left) {
  if (!json_is_object(v) && !json_is_array(v)) return true;
  if (left <= 0) return false;
  json_t *c = (json_t *)v; /* jansson's iterators take non-const; nothing is changed */
  if (json_is_array(c)) {
    for (size_t i = 0; i < json_array_size(c); i++)
      if (!depth_ok(json_array_get(c, i), left - 1)) return false;
    return true;
  }
  const char *key;
  json_t *val;
  json_object_foreach(c, key, val) {
    if (!depth_ok(val, left - 1)) return false;
  }
  return true;
}

typedef struct {
  dw_buf *b;
  int err;
} encoder;

static int encode_cb(const char *buf, size_t size, void *data) {
  encoder *e = data;
  int rc = dw__buf_append(e->b, buf, size);
  if (rc) e->err = rc;
  return rc ? -1 : 0;
}

/* The code's compact JSON into `b` (created with the 80 MiB cap, so an oversized code stops
 * the encoder at the cap instead of being built whole first). */
static int encode(const json_t *code, dw_buf *b, char *why, size_t why_len) {
  if (!code || !json_is_object(code)) {
    say(why, why_len, "the worker's code must be a JSON object");
    return DW_E_BAD_REQUEST;
  }
  if (!depth_ok(code, DW__STORE_MAX_DEPTH)) {
    say(why, why_len, "the worker's code nests deeper than %d levels", DW__STORE_MAX_DEPTH);
    return DW_E_BAD_REQUEST;
  }
  encoder e = {.b = b};
  if (json_dump_callback(code, encode_cb, &e, JSON_COMPACT) == 0) return 0;
  if (e.err == DW_E_TOO_LARGE)
    say(why, why_len, "the worker's code is larger than %zu MiB as JSON",
        DW__STORE_MAX_CODE >> 20);
  else if (e.err == DW_E_NOMEM)
    say(why, why_len, "out of memory while encoding the worker's code");
  else
    say(why, why_len, "the worker's code cannot be encoded as JSON");
  return e.err ? e.err : DW_E_BAD_REQUEST;
}

/* ---- open and close ---- */

/* Creates DIR and its missing parents with mode 0700 (existing ones are left as they are). */
static int make_dir(const char *dir, char *why, size_t why_len) {
  char p[PATH_MAX];
  size_t n = strlen(dir);
  memcpy(p, dir, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (p[i] != '/' && p[i] != 0) continue;
    char c = p[i];
    p[i] = 0;
    struct stat st;
    int e = mkdir(p, 0700) == 0 ? 0 : errno;
    if (e && !(stat(p, &st) == 0 && S_ISDIR(st.st_mode))) {
      char ebuf[128];
      const char *etext = e == EEXIST ? "it exists and is not a directory"
                                      : strerror_r(e, ebuf, sizeof ebuf);
      say(why, why_len,
          "cannot create the data dir %s (%s: %s): check that the path is right and that the "
          "daemon may write there",
          dir, p, etext);
      return DW_E_IO;
    }
    p[i] = c;
  }
  return 0;
}

static int schema_version(dw__store *s, int *version, char *why, size_t why_len) {
  sqlite3_stmt *st = NULL;
  bool row = false;
  int rc = sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL);
  rc = rc == SQLITE_OK ? step(s, st, "reading the schema version of", &row, why, why_len)
                       : fail(s, rc, "reading the schema version of", why, why_len);
  if (!rc) *version = row ? sqlite3_column_int(st, 0) : 0;
  sqlite3_finalize(st);
  return rc;
}

/* Brings an empty database to the current schema; refuses a newer one. Two processes may
 * race here: the check is repeated inside the write transaction. */
static int migrate(dw__store *s, char *why, size_t why_len) {
  int version = 0;
  bool in_tx = false;
  int rc = schema_version(s, &version, why, why_len);
  if (rc || version == SCHEMA_VERSION) goto check;
  if (version == 0) {
    rc = exec(s, "BEGIN IMMEDIATE", "creating the schema of", why, why_len);
    if (rc) goto out;
    in_tx = true;
    rc = schema_version(s, &version, why, why_len);
    if (rc || version != 0) goto check;
    char sql[sizeof schema_v1 + 64];
    snprintf(sql, sizeof sql, "%sPRAGMA user_version=%d;", schema_v1, SCHEMA_VERSION);
    rc = exec(s, sql, "creating the schema of", why, why_len);
    if (!rc) rc = exec(s, "COMMIT", "creating the schema of", why, why_len);
    if (rc) goto out;
    in_tx = false;
    version = SCHEMA_VERSION;
  }
check:
  if (!rc && version != SCHEMA_VERSION) {
    say(why, why_len,
        "the database %s has schema version %d, newer than this dynworker understands (%d): "
        "run a newer dynworker, or point this one at another data dir",
        s->path, version, SCHEMA_VERSION);
    rc = DW_E_IO;
  }
out:
  if (in_tx && !sqlite3_get_autocommit(s->db)) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
  return rc;
}

/* The connection's settings. journal_mode answers with the mode it got: a filesystem that
 * cannot do WAL (no shared memory) must not silently fall back to a weaker journal. */
static int configure(dw__store *s, char *why, size_t why_len) {
  sqlite3_stmt *st = NULL;
  bool row = false;
  sqlite3_extended_result_codes(s->db, 1);
  int rc = sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
  if (rc != SQLITE_OK) {
    rc = fail(s, rc, "opening", why, why_len);
    goto out;
  }
  rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
  rc = rc == SQLITE_OK ? step(s, st, "opening", &row, why, why_len)
                       : fail(s, rc, "opening", why, why_len);
  if (rc) goto out;
  const char *mode = row ? (const char *)sqlite3_column_text(st, 0) : NULL;
  if (!mode || strcmp(mode, "wal") != 0) {
    say(why, why_len,
        "the database %s cannot use write-ahead logging (journal mode %s): put the data dir "
        "on a local filesystem",
        s->path, mode ? mode : "unknown");
    rc = DW_E_IO;
    goto out;
  }
  char sql[128];
  snprintf(sql, sizeof sql,
           "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA journal_size_limit=%d;",
           WAL_KEEP_BYTES);
  rc = exec(s, sql, "opening", why, why_len);
  if (rc) goto out;
  if (sqlite3_db_readonly(s->db, "main") == 1) {
    say(why, why_len,
        "the data dir %s is not writable (SQLite opened %s read-only): check the owner and "
        "permissions of the dir and its files",
        s->dir, s->path);
    rc = DW_E_IO;
  }
out:
  sqlite3_finalize(st);
  return rc;
}

int dw__store_open(const char *dir, dw__store **out, char *why, size_t why_len) {
  dw__store *s = NULL;
  int rc = 0;
  *out = NULL;
  if (!dir || !*dir) {
    say(why, why_len, "the data dir is not set");
    rc = DW_E_IO;
    goto out;
  }
  size_t n = strlen(dir);
  /* Room for "/workers.db-journal" and the NUL. */
  if (n >= PATH_MAX - sizeof "/" DB_NAME "-journal") {
    say(why, why_len, "the data dir path is longer than %zu bytes",
        (size_t)PATH_MAX - sizeof "/" DB_NAME "-journal");
    rc = DW_E_IO;
    goto out;
  }
  rc = make_dir(dir, why, why_len);
  if (rc) goto out;
  s = calloc(1, sizeof *s);
  if (s) s->dir = dw__strdup(dir);
  if (s) s->path = malloc(n + sizeof "/" DB_NAME);
  if (!s || !s->dir || !s->path) {
    say(why, why_len, "out of memory opening the data dir %s", dir);
    rc = DW_E_NOMEM;
    goto out;
  }
  snprintf(s->path, n + sizeof "/" DB_NAME, "%s/" DB_NAME, dir);
  int src = sqlite3_open_v2(s->path, &s->db,
                            SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                            NULL);
  if (src != SQLITE_OK) {
    rc = fail(s, src, "opening", why, why_len);
    goto out;
  }
  rc = configure(s, why, why_len);
  if (!rc) rc = migrate(s, why, why_len);
  for (int i = 0; !rc && i < ST_COUNT; i++) {
    src = sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL);
    if (src != SQLITE_OK) rc = fail(s, src, "preparing statements on", why, why_len);
  }
  if (rc) goto out;
  *out = s;
  s = NULL;
out:
  dw__store_close(s);
  return rc;
}

void dw__store_close(dw__store *s) {
  if (!s) return;
  for (int i = 0; i < ST_COUNT; i++) sqlite3_finalize(s->st[i]);
  sqlite3_close_v2(s->db);
  free(s->dir);
  free(s->path);
  free(s);
}

/* ---- workers ---- */

void dw__store_worker_clear(dw__store_worker *w) {
  if (!w) return;
  free(w->tenant);
  free(w->id);
  json_decref(w->code);
  memset(w, 0, sizeof *w);
}

int dw__store_put(dw__store *s, const char *tenant, const char *id, const json_t *code,
                  bool *created, uint64_t *rev, char *why, size_t why_len) {
  static const char doing[] = "registering a worker in";
  dw_buf json;
  bool in_tx = false, row = false, is_new = false;
  sqlite3_stmt *st = NULL;
  dw__buf_init(&json, DW__STORE_MAX_CODE);
  int rc = check_key(tenant, id, why, why_len);
  if (!rc) rc = encode(code, &json, why, why_len);
  if (!rc) rc = sync_mode(s, false, doing, why, why_len);
  if (!rc) rc = run(s, ST_BEGIN, doing, why, why_len);
  if (rc) goto out;
  in_tx = true;
  rc = run(s, ST_BUMP, doing, why, why_len);
  if (rc) goto out;
  st = s->st[ST_REV];
  rc = step(s, st, doing, &row, why, why_len);
  if (rc) goto out;
  if (!row) {
    rc = corrupt(s, doing, "the rev counter is missing", why, why_len);
    goto out;
  }
  sqlite3_int64 r = sqlite3_column_int64(st, 0);
  finish(st);
  int64_t now = (int64_t)dw__epoch_ms();
  bool inserted = false;
  for (int pass = 0; pass < 2 && !inserted; pass++) {
    /* First INSERT OR IGNORE (a new worker), then UPDATE when (tenant, id) existed. */
    st = s->st[pass ? ST_UPDATE : ST_INSERT];
    int b = sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
    if (b == SQLITE_OK) b = sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    if (b == SQLITE_OK) b = sqlite3_bind_text(st, 3, json.data ? json.data : "", (int)json.len,
                                              SQLITE_STATIC);
    if (b == SQLITE_OK) b = sqlite3_bind_int64(st, 4, r);
    if (b == SQLITE_OK) b = sqlite3_bind_int64(st, 5, (sqlite3_int64)json.len);
    if (b == SQLITE_OK) b = sqlite3_bind_int64(st, 6, now);
    rc = b == SQLITE_OK ? step(s, st, doing, NULL, why, why_len) : fail(s, b, doing, why, why_len);
    if (rc) goto out;
    finish(st);
    int changes = sqlite3_changes(s->db);
    if (pass == 0) is_new = changes == 1;
    inserted = changes == 1;
  }
  st = NULL;
  if (!inserted) { /* the primary key index disagrees with the table */
    rc = corrupt(s, doing, "a row neither inserts nor updates", why, why_len);
    goto out;
  }
  rc = run(s, ST_COMMIT, doing, why, why_len);
  if (rc) goto out;
  in_tx = false;
  *created = is_new;
  *rev = (uint64_t)r;
out:
  if (st) finish(st);
  if (in_tx) abandon(s);
  dw__buf_free(&json);
  return rc;
}

/* Binds (tenant, id) as ?1 and ?2. */
static int bind_key(dw__store *s, sqlite3_stmt *st, const char *tenant, const char *id,
                    const char *doing, char *why, size_t why_len) {
  int b = sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
  if (b == SQLITE_OK) b = sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
  return b == SQLITE_OK ? 0 : fail(s, b, doing, why, why_len);
}

int dw__store_get(dw__store *s, const char *tenant, const char *id, dw__store_worker *out,
                  char *why, size_t why_len) {
  static const char doing[] = "reading a worker from";
  sqlite3_stmt *st = s->st[ST_GET];
  bool row = false;
  memset(out, 0, sizeof *out);
  int rc = check_key(tenant, id, why, why_len);
  if (!rc) rc = bind_key(s, st, tenant, id, doing, why, why_len);
  if (!rc) rc = step(s, st, doing, &row, why, why_len);
  if (rc) goto out;
  if (!row) {
    say(why, why_len, "no worker %s in tenant %s", id, tenant);
    rc = DW_E_WORKER_NOT_FOUND;
    goto out;
  }
  const char *text = (const char *)sqlite3_column_text(st, 0);
  size_t len = (size_t)sqlite3_column_bytes(st, 0);
  json_error_t jerr;
  out->code = text ? json_loadb(text, len, JSON_ALLOW_NUL, &jerr) : NULL;
  if (!json_is_object(out->code)) {
    say(why, why_len,
        "the stored code of worker %s (tenant %s) in %s is not a JSON object (%s): the "
        "database is corrupt; register the worker again",
        id, tenant, s->path, out->code || !text ? "wrong type" : jerr.text);
    rc = DW_E_IO;
    goto out;
  }
  out->tenant = dw__strdup(tenant);
  out->id = dw__strdup(id);
  if (!out->tenant || !out->id) {
    say(why, why_len, "out of memory reading worker %s", id);
    rc = DW_E_NOMEM;
    goto out;
  }
  out->rev = (uint64_t)sqlite3_column_int64(st, 1);
  out->size = (uint64_t)sqlite3_column_int64(st, 2);
  out->created_ms = sqlite3_column_int64(st, 3);
  out->updated_ms = sqlite3_column_int64(st, 4);
  out->last_used_ms = sqlite3_column_int64(st, 5);
  out->invocations = (uint64_t)sqlite3_column_int64(st, 6);
out:
  finish(st);
  if (rc) dw__store_worker_clear(out);
  return rc;
}

int dw__store_delete(dw__store *s, const char *tenant, const char *id, char *why, size_t why_len) {
  static const char doing[] = "deleting a worker from";
  sqlite3_stmt *st = s->st[ST_DELETE];
  int rc = check_key(tenant, id, why, why_len);
  if (!rc) rc = sync_mode(s, false, doing, why, why_len);
  if (!rc) rc = bind_key(s, st, tenant, id, doing, why, why_len);
  if (!rc) rc = step(s, st, doing, NULL, why, why_len);
  if (!rc && sqlite3_changes(s->db) == 0) {
    say(why, why_len, "no worker %s in tenant %s", id, tenant);
    rc = DW_E_WORKER_NOT_FOUND;
  }
  finish(st);
  return rc;
}

int dw__store_list(dw__store *s, const char *tenant, const char *after, size_t limit,
                   dw__store_worker **out, size_t *n, char *why, size_t why_len) {
  static const char doing[] = "listing workers in";
  sqlite3_stmt *st = s->st[ST_LIST];
  dw__store_worker *w = NULL;
  size_t got = 0;
  bool row = false;
  *out = NULL;
  *n = 0;
  int rc = check_name("tenant", tenant, false, why, why_len);
  if (!rc && after && *after) rc = check_name("after", after, true, why, why_len);
  if (!rc && limit > DW__STORE_LIST_MAX) {
    say(why, why_len, "limit %zu is over the maximum of %d", limit, DW__STORE_LIST_MAX);
    rc = DW_E_BAD_REQUEST;
  }
  if (rc || limit == 0) goto out;
  w = calloc(limit, sizeof *w);
  if (!w) {
    say(why, why_len, "out of memory listing workers");
    rc = DW_E_NOMEM;
    goto out;
  }
  rc = bind_key(s, st, tenant, after ? after : "", doing, why, why_len);
  if (!rc) {
    int b = sqlite3_bind_int64(st, 3, (sqlite3_int64)limit);
    if (b != SQLITE_OK) rc = fail(s, b, doing, why, why_len);
  }
  while (!rc && got < limit && !(rc = step(s, st, doing, &row, why, why_len)) && row) {
    dw__store_worker *x = &w[got++];
    const char *id = (const char *)sqlite3_column_text(st, 0);
    x->tenant = dw__strdup(tenant);
    x->id = id ? dw__strndup(id, (size_t)sqlite3_column_bytes(st, 0)) : NULL;
    if (!x->tenant || !x->id) {
      say(why, why_len, "out of memory listing workers");
      rc = DW_E_NOMEM;
      break;
    }
    x->rev = (uint64_t)sqlite3_column_int64(st, 1);
    x->size = (uint64_t)sqlite3_column_int64(st, 2);
    x->created_ms = sqlite3_column_int64(st, 3);
    x->updated_ms = sqlite3_column_int64(st, 4);
    x->last_used_ms = sqlite3_column_int64(st, 5);
    x->invocations = (uint64_t)sqlite3_column_int64(st, 6);
  }
  if (rc) goto out;
  *out = w;
  *n = got;
  w = NULL;
out:
  finish(st);
  dw__store_list_free(w, got);
  return rc;
}

void dw__store_list_free(dw__store_worker *w, size_t n) {
  for (size_t i = 0; w && i < n; i++) dw__store_worker_clear(&w[i]);
  free(w);
}

int dw__store_touch(dw__store *s, const char *tenant, const char *id, int64_t now_ms) {
  static const char doing[] = "counting an invocation in";
  sqlite3_stmt *st = s->st[ST_TOUCH];
  s->err[0] = 0;
  int rc = check_key(tenant, id, s->err, sizeof s->err);
  if (!rc) rc = sync_mode(s, true, doing, s->err, sizeof s->err);
  if (!rc) rc = bind_key(s, st, tenant, id, doing, s->err, sizeof s->err);
  if (!rc) {
    int b = sqlite3_bind_int64(st, 3, now_ms);
    if (b == SQLITE_OK) b = sqlite3_bind_int64(st, 4, 1);
    if (b != SQLITE_OK) rc = fail(s, b, doing, s->err, sizeof s->err);
  }
  if (!rc) rc = step(s, st, doing, NULL, s->err, sizeof s->err);
  if (!rc && sqlite3_changes(s->db) == 0) {
    say(s->err, sizeof s->err, "no worker %s in tenant %s", id, tenant);
    rc = DW_E_WORKER_NOT_FOUND;
  }
  finish(st);
  return rc;
}

const char *dw__store_last_error(const dw__store *s) { return s->err; }

int dw__store_touch_batch(dw__store *s, const dw__store_touch_item *items, size_t n) {
  static const char doing[] = "counting invocations in";
  sqlite3_stmt *st = s->st[ST_TOUCH];
  s->err[0] = 0;
  if (!n) return 0;
  int rc = sync_mode(s, true, doing, s->err, sizeof s->err);
  if (!rc) rc = run(s, ST_BEGIN, doing, s->err, sizeof s->err);
  if (rc) return rc;
  for (size_t i = 0; i < n && !rc; i++) {
    const dw__store_touch_item *t = &items[i];
    if (check_key(t->tenant, t->id, s->err, sizeof s->err)) continue; /* never stored */
    rc = bind_key(s, st, t->tenant, t->id, doing, s->err, sizeof s->err);
    if (!rc) {
      int b = sqlite3_bind_int64(st, 3, t->last_used_ms);
      if (b == SQLITE_OK) b = sqlite3_bind_int64(st, 4, (sqlite3_int64)t->count);
      if (b != SQLITE_OK) rc = fail(s, b, doing, s->err, sizeof s->err);
    }
    if (!rc) rc = step(s, st, doing, NULL, s->err, sizeof s->err); /* a deleted one: no row */
    finish(st);
  }
  if (!rc) rc = run(s, ST_COMMIT, doing, s->err, sizeof s->err);
  if (rc) abandon(s);
  return rc;
}
