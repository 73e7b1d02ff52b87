package sqlite

/*
// sqlite3_config is defined in the SQLite that go-sqlite3 compiles into the binary; it is
// variadic, which cgo cannot call, hence the wrapper.
extern int sqlite3_config(int, ...);
enum { VERBATIM_SQLITE_CONFIG_MEMSTATUS = 9 };
static int verbatim_disable_memstatus(void) { return sqlite3_config(VERBATIM_SQLITE_CONFIG_MEMSTATUS, 0); }
*/
import "C"

// memstatusDisabled records whether SQLite's memory statistics are off: with them on,
// every allocation takes one global mutex, which serialises readers on separate
// connections. It must be set before SQLite initialises, that is before the first
// connection opens, so it happens at package init (go-sqlite3's own init only registers
// the driver).
var memstatusDisabled = C.verbatim_disable_memstatus() == 0
