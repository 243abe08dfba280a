package classifier

import (
	"database/sql/driver"
	"io"
)

// connectionErrors are the errors of a connection that failed in a way
// worth retrying on a new one (rule 3 of Default). Plan 9 reports network
// failures as strings, not numbered errors, so only io.ErrUnexpectedEOF is
// recognised there.
var connectionErrors = [...]error{
	io.ErrUnexpectedEOF,
	driver.ErrBadConn, // database/sql: the connection is bad; sql.DB retries it on a new one
}
