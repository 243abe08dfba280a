package classifier

import (
	"database/sql/driver"
	"io"
	"syscall"
)

// connectionErrors are the errors of a connection that failed in a way
// worth retrying on a new one (rule 3 of Default). On Windows the net
// package reports Winsock errors, whose numbers differ from the Unix ones
// package syscall invents for Windows; both are listed. The Winsock codes
// are from Microsoft's "Windows Sockets Error Codes".
var connectionErrors = [...]error{
	syscall.ECONNRESET,
	syscall.ECONNREFUSED,
	syscall.ECONNABORTED,
	syscall.EPIPE,
	syscall.ETIMEDOUT,
	syscall.WSAECONNRESET,   // 10054
	syscall.WSAECONNABORTED, // 10053
	syscall.Errno(10061),    // WSAECONNREFUSED
	syscall.Errno(10060),    // WSAETIMEDOUT
	io.ErrUnexpectedEOF,
	driver.ErrBadConn, // database/sql: the connection is bad; sql.DB retries it on a new one
}
