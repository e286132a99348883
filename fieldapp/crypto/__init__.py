"""Crypto primitives (argon2id key derivation, key wrapping, key pairs) with nothing of ours beneath
them, so storage and every service above it may use them."""
