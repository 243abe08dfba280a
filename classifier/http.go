package classifier

// HTTPStatus returns the class of an HTTP response status code:
//
//	401                 AUTH
//	403                 PERMISSION
//	408, 425            TRANSIENT     (Request Timeout, Too Early)
//	409                 CONCURRENCY   (Conflict)
//	429                 RATE_LIMIT    (Too Many Requests)
//	other 4xx           PERMANENT
//	501, 505            PERMANENT     (Not Implemented, HTTP Version Not Supported)
//	other 5xx           SERVER_ERROR
//	anything else       UNKNOWN       (1xx to 3xx, and codes outside 100-599)
//
// A status that is not a failure (such as 200 or 302) is UNKNOWN rather
// than a success class: whether it is a failure is the caller's call.
func HTTPStatus(code int) Class {
	switch code {
	case 401:
		return Auth
	case 403:
		return Permission
	case 408, 425:
		return Transient
	case 409:
		return Concurrency
	case 429:
		return RateLimit
	case 501, 505:
		// The server will not do this however often it is asked.
		return Permanent
	}
	switch {
	case code >= 400 && code <= 499:
		return Permanent
	case code >= 500 && code <= 599:
		return ServerError
	}
	return Unknown
}
