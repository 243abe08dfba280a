package classifier

// SQLState returns the class of a five-character SQLSTATE error code, as
// reported by PostgreSQL and other SQL databases. The codes and their
// classes (the first two characters) are those of "Appendix A. PostgreSQL
// Error Codes" in the PostgreSQL documentation:
//
//	40001 serialization_failure, 40P01 deadlock_detected   CONCURRENCY
//	class 08 (connection exception)                          TRANSIENT
//	57P01 admin_shutdown, 57P02 crash_shutdown,
//	57P03 cannot_connect_now, 53300 too_many_connections     TRANSIENT
//	class 28 (invalid authorization specification)           AUTH
//	42501 insufficient_privilege                             PERMISSION
//	class 22 (data exception), class 23 (integrity
//	constraint violation), class 42 (syntax error or
//	access rule violation)                                   PERMANENT
//	anything else                                            UNKNOWN
//
// A code that is not exactly five digits or upper-case ASCII letters is
// UNKNOWN.
func SQLState(code string) Class {
	if !validSQLState(code) {
		return Unknown
	}
	switch code {
	case "40001", "40P01":
		return Concurrency
	case "57P01", "57P02", "57P03", "53300":
		return Transient
	case "42501":
		// Checked before class 42, which is otherwise PERMANENT.
		return Permission
	}
	switch code[:2] {
	case "08":
		return Transient
	case "28":
		return Auth
	case "22", "23", "42":
		return Permanent
	}
	return Unknown
}

// validSQLState reports whether code has the SQLSTATE form: five
// characters, each a digit or an upper-case ASCII letter.
func validSQLState(code string) bool {
	if len(code) != 5 {
		return false
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}
