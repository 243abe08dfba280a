//go:build !plan9 && !windows

package classifier

import (
	"database/sql/driver"
	"io"
	"syscall"
)

// connectionErrors are the errors of a connection that failed in a way
// worth retrying on a new one (rule 3 of Default).
var connectionErrors = [...]error{
	syscall.ECONNRESET,
	syscall.ECONNREFUSED,
	syscall.ECONNABORTED,
	syscall.EPIPE,
	syscall.ETIMEDOUT,
	io.ErrUnexpectedEOF,
	driver.ErrBadConn, // database/sql: the connection is bad; sql.DB retries it on a new one
}
