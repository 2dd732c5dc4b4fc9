"""Work orders: intake, dispatch, handling, reply review, callback, re-handling, close."""
