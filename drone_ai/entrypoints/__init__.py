"""Driving adapters: the command line, and (later) the gRPC server."""
