"""The tower's secrets (TLS material, partners' token digests): fetched from a store at
start, kept only in the service's runtime folder."""
