"""The lab server (`coder serve`): logins and sessions (logins), where it may listen (binding), the server itself (server)."""
