"""HTTP: one router per part, each route's rule checked by the guard, every error answered
by one handler."""
